//! Whole-process crash tests of RustyDB. A child binary works on a data directory and
//! acknowledges on stdout each unit of work once it is durable; the test kills it with
//! SIGKILL at a random moment, recovers the directory in-process and checks that every
//! acknowledged unit survived, that nothing half-done is visible, and that the files are
//! sound.
//!
//! * [`process`]: running a child and collecting what it acknowledged;
//! * [`crash`]: the storage crash loop's data (heap rows indexed by a B+tree);
//! * [`bank`]: the bank whose transfers are killed mid-flight;
//! * [`wal`]: cutting the log's tail in the middle of a record, as a torn write would.

pub mod bank;
pub mod crash;
pub mod process;
pub mod wal;
