//! rustydb-admin: the operators' command-line tool.

fn main() {}
