//! RustyDB's rest front end.
