//! Support for the `slt` test target: the sqllogictest [`sqllogictest::DB`] over a
//! RustyDB session ([`rustydb`]), the same over `psql` for comparison ([`psql`]), a
//! record-by-record driver that counts passes ([`driver`]), the corpus floors
//! ([`corpus`]), a file system that skips fsync ([`nosync`]), and the
//! printed tables and verdicts ([`report`]).

pub(crate) mod corpus;
pub(crate) mod driver;
pub(crate) mod nosync;
pub(crate) mod psql;
pub(crate) mod report;
pub(crate) mod rustydb;
