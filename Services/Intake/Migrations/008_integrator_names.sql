-- An integrator's name is its broker user and the prefix of its feed's routing keys (the broker lets
-- intake write only `<a-z0-9->.<type>`): any other name would make every copy to it unpublishable.
ALTER TABLE integrators ADD CONSTRAINT integrators_name_is_a_feed_prefix CHECK (name ~ '^[a-z0-9-]{1,64}$');
