-- Official transfer (issue 15): the letter-issuing committee's decision on a letter presented
-- after its window is planned on every route and taken only after a late presentation; a step
-- not needed is 'skipped'. A presentation step's on_time = false means the member was late.
ALTER TABLE route_steps ADD COLUMN only_after_late_presentation boolean NOT NULL DEFAULT false;
