//! RustyDB's graphql front end.
