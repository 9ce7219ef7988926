// Calendar: working time (issue 3)
