//! Plans: bound expressions ([`expr`]), plan nodes ([`logical`]) and aggregate function
//! definitions ([`aggregate`]).

pub mod aggregate;
pub mod expr;
pub mod logical;
