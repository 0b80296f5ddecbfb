//! The query root's fields, by topic.

pub(crate) mod catalog;
pub(crate) mod monitoring;
pub(crate) mod txns;
