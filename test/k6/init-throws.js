// The init code throws: exit status 107 before any iteration.
throw new Error('cannot read the event file');
