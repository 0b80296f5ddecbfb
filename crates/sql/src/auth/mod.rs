//! Authentication material kept in the catalog: SCRAM-SHA-256 password verifiers
//! ([`ScramVerifier`]), in PostgreSQL's text format so verifiers move between the two.
//! The wire-protocol server runs the SASL exchange; this module only derives, parses,
//! prints and checks verifiers.

pub mod scram;

pub use scram::ScramVerifier;
