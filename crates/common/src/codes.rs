//! The error-code catalogue: every error a user can see has one of these codes.
//!
//! The codes come from the operations guide operators were handed (`ERR-DB-*`,
//! `ERR-CONN-*`, `ERR-TXN-*`, `ERR-STG-*`, `ERR-API-*`, `SEC-*`); the guide is what users
//! search for, so the codes never change meaning once published. Codes the guide lacks but
//! a real database needs (a locked data directory, a full buffer pool, an oversized row)
//! are added at the end of their family with the next free number, never by renumbering.
//!
//! Each entry carries the PostgreSQL SQLSTATE a driver will see, a message template with
//! `{name}` placeholders, and a hint telling the operator what to do. A specific error may
//! carry a more specific SQLSTATE than its code's default (a full disk is `53100` where a
//! generic write failure is `58030`), but never a different code.

use std::fmt;

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorInfo {
    /// The code as users see and search it, e.g. `ERR-TXN-001`.
    pub id: &'static str,
    /// The PostgreSQL SQLSTATE sent to clients by default.
    pub sqlstate: &'static str,
    /// The guide's title for this error, e.g. "Deadlock detected".
    pub title: &'static str,
    /// The message template; `{name}` placeholders are filled by
    /// [`crate::DbError::from_template`].
    pub template: &'static str,
    /// What the operator or application should do about it.
    pub hint: &'static str,
    /// Whether retrying the whole transaction may succeed.
    pub retryable: bool,
}

macro_rules! catalogue {
    ($( $(#[$doc:meta])* $variant:ident = ($id:literal, $state:literal, $title:literal,
        $template:literal, $hint:literal, $retry:literal); )*) => {
        /// A stable error code. See the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        /// Every code, in catalogue order.
        pub static CATALOGUE: &[(ErrorCode, ErrorInfo)] = &[
            $( (ErrorCode::$variant, ErrorInfo {
                id: $id, sqlstate: $state, title: $title, template: $template,
                hint: $hint, retryable: $retry,
            }), )*
        ];
    };
}

catalogue! {
    // ---- ERR-DB: start-up of the database itself ------------------------------------
    /// The data directory is missing, unreadable or not a RustyDB data directory.
    DbInitFailed = ("ERR-DB-001", "58000", "Database initialization failed",
        "database initialization failed: {reason} ({path})",
        "Check that the data directory exists, is readable and writable by the server user, \
         and was created by RustyDB; restore it from a backup if it is damaged.", false);
    /// The storage layer could not start (I/O or permission problem).
    StorageInitFailed = ("ERR-DB-002", "58030", "Storage layer initialization failed",
        "storage layer initialization failed: {reason} ({path})",
        "Check disk health and the permissions of the data directory.", false);
    /// Crash recovery could not replay the write-ahead log.
    WalRecoveryFailed = ("ERR-DB-003", "XX001", "WAL recovery failed",
        "WAL recovery failed at {lsn}: {reason}",
        "Restore from a backup, or start with --recovery-mode after copying archived WAL \
         into the wal/ directory.", false);
    /// The buffer pool could not be allocated.
    BufferPoolInitFailed = ("ERR-DB-004", "53200", "Buffer pool initialization failed",
        "buffer pool initialization failed: could not allocate {pages} pages: {reason}",
        "Reduce buffer_pool_size (RUSTYDB_BUFFER_POOL_SIZE) or free memory.", false);
    /// The transaction manager could not start.
    TxnManagerInitFailed = ("ERR-DB-005", "53000", "Transaction manager initialization failed",
        "transaction manager initialization failed: {reason}",
        "Check available memory and file descriptors (ulimit -n).", false);
    /// Another process holds the data directory's lock file.
    DataDirLocked = ("ERR-DB-006", "55006", "Data directory in use",
        "data directory {path} is in use by another process (pid {pid})",
        "Stop the other server, or point this one at another directory with --data-dir or \
         RUSTYDB_DATA_DIR.", false);
    /// A configuration value is invalid ("Configuration validation failed").
    ConfigInvalid = ("ERR-DB-007", "F0000", "Configuration validation failed",
        "configuration validation failed: {field} = {value}: {reason}",
        "Fix the value in config/rustydb.toml or the RUSTYDB_* environment variable; \
         `rustydb-admin validate-config` checks a file without starting the server.", false);
    /// The data directory was written by an incompatible version.
    DataDirVersion = ("ERR-DB-008", "58000", "Incompatible data directory",
        "data directory {path} has format version {found}, this server reads version {expected}",
        "Start the RustyDB version that created this directory, or restore a backup made \
         with this version.", false);
    /// The server could not listen on its address and port (in use, or not an address of
    /// this machine).
    ListenFailed = ("ERR-DB-009", "58000", "Cannot listen on the server address",
        "could not listen on {address}: {reason}",
        "Stop the program using this address and port, or choose another port with --port \
         or RUSTYDB_PORT (another address with --listen-address or RUSTYDB_LISTEN_ADDRESS).",
        false);

    // ---- ERR-CONN: client connections -------------------------------------------------
    /// The server refused the connection.
    ConnectionRefused = ("ERR-CONN-001", "08001", "Connection refused",
        "connection refused: {reason}",
        "Check that the server is running and listening on this address and port.", false);
    /// The connection or session timed out.
    ConnectionTimeout = ("ERR-CONN-002", "08006", "Connection timeout",
        "connection timed out: {reason}",
        "Check the network and server load, or raise the client's timeout.", false);
    /// Wrong user name or password.
    AuthenticationFailed = ("ERR-CONN-003", "28P01", "Authentication failed",
        "password authentication failed for user \"{user}\"",
        "Check the user name and password; an administrator can reset it with \
         `rustydb-admin reset-password --user <name>`.", false);
    /// `max_connections` reached.
    TooManyConnections = ("ERR-CONN-004", "53300", "Connection pool exhausted",
        "sorry, too many clients already (max_connections = {max})",
        "Close idle connections, use a client-side pool, or raise max_connections \
         (RUSTYDB_MAX_CONNECTIONS).", false);
    /// TLS negotiation failed.
    SslHandshakeFailed = ("ERR-CONN-005", "08P01", "SSL handshake failed",
        "SSL handshake failed: {reason}",
        "Check the server certificate and key paths and the client's sslmode.", false);
    /// The client sent a malformed or unexpected protocol message.
    ProtocolViolation = ("ERR-CONN-006", "08P01", "Protocol violation",
        "protocol violation: {reason}",
        "The client sent a message the PostgreSQL v3 protocol does not allow here; check \
         the driver, or that the client speaks PostgreSQL's protocol to this port.", false);
    /// An administrator (pg_terminate_backend, server shutdown) ended the connection.
    ConnectionTerminated = ("ERR-CONN-007", "57P01", "Connection terminated",
        "terminating connection due to administrator command",
        "An operator ended this session or the server is shutting down; reconnect and \
         retry.", false);

    // ---- ERR-TXN: transactions -----------------------------------------------------------
    /// This transaction was chosen as the victim of a deadlock.
    DeadlockDetected = ("ERR-TXN-001", "40P01", "Deadlock detected",
        "deadlock detected",
        "Retry the transaction. Acquiring locks in the same order in every transaction \
         avoids deadlocks.", true);
    /// The transaction is aborted; statements are ignored until ROLLBACK.
    TransactionAborted = ("ERR-TXN-002", "25P02", "Transaction aborted",
        "current transaction is aborted, commands ignored until end of transaction block",
        "Issue ROLLBACK (or ROLLBACK TO SAVEPOINT) and retry the work.", false);
    /// A concurrent update makes this transaction unserializable.
    SerializationFailure = ("ERR-TXN-003", "40001", "Isolation violation",
        "could not serialize access due to {reason}",
        "Retry the transaction; under heavy contention consider READ COMMITTED.", true);
    /// A statement or idle-transaction time limit was hit.
    TransactionTimeout = ("ERR-TXN-004", "57014", "Transaction timeout",
        "canceling statement due to {reason}",
        "Optimize the statement, raise statement_timeout / \
         idle_in_transaction_session_timeout, or split the work into smaller transactions.",
        false);
    /// `lock_timeout` expired while waiting for a lock.
    LockTimeout = ("ERR-TXN-005", "55P03", "Lock wait timeout",
        "canceling statement due to lock timeout",
        "Find the blocking transaction (GET /api/v1/locks/waits) or raise lock_timeout.",
        true);
    /// An operator terminated this transaction from another session.
    TransactionTerminated = ("ERR-TXN-006", "57P01", "Transaction terminated",
        "terminating transaction {xid} at administrator request",
        "An operator aborted this transaction; retry it if it should still run.", false);

    /// ROLLBACK TO / RELEASE of a savepoint that does not exist.
    NoSuchSavepoint = ("ERR-TXN-007", "3B001", "Savepoint does not exist",
        "savepoint \"{name}\" does not exist",
        "Check the savepoint name; ROLLBACK TO and RELEASE only reach savepoints of the \
         current transaction.", false);
    /// A transaction-control command used outside a transaction block, or in a wrong state.
    InvalidTransactionState = ("ERR-TXN-008", "25000", "Invalid transaction state",
        "{reason}",
        "Use BEGIN to start a transaction block first.", false);

    // ---- ERR-STG: storage ------------------------------------------------------------------
    /// A page read from disk failed its checksum.
    PageChecksumMismatch = ("ERR-STG-001", "XX001", "Page checksum mismatch",
        "page checksum mismatch in {file} page {page}: stored {stored}, computed {computed}",
        "The data on disk is corrupt. Run `rustydb-admin verify-integrity --full`, check the \
         disk (dmesg, smartctl), and restore the relation from a backup or replica.", false);
    /// Writing a data page failed (I/O error or full disk).
    DiskWriteFailed = ("ERR-STG-002", "58030", "Disk write failed",
        "could not write {what}: {reason}",
        "Free disk space or replace the failing disk; writes resume once space is back.",
        false);
    /// Appending to or syncing the write-ahead log failed.
    WalWriteFailed = ("ERR-STG-003", "58030", "WAL write failed",
        "could not write to the write-ahead log {file}: {reason}",
        "Free space on the WAL disk and check its health; no commit was acknowledged \
         without its WAL being durable.", false);
    /// A checkpoint could not complete.
    CheckpointFailed = ("ERR-STG-004", "58030", "Checkpoint failed",
        "checkpoint failed: {reason}",
        "Check disk space and health; the previous checkpoint stays valid, so recovery is \
         not affected.", false);
    /// An index page is structurally invalid.
    IndexCorrupted = ("ERR-STG-005", "XX002", "Index corruption detected",
        "index {index} is corrupt: {reason}",
        "Rebuild the index with REINDEX.", false);
    /// Every buffer-pool frame is pinned.
    BufferPoolExhausted = ("ERR-STG-006", "53000", "Buffer pool exhausted",
        "no unpinned buffer available: all {frames} frames of the buffer pool are pinned",
        "Raise buffer_pool_size (RUSTYDB_BUFFER_POOL_SIZE) or run fewer concurrent \
         statements.", false);
    /// A value or row exceeds what a page can hold.
    ValueTooLarge = ("ERR-STG-007", "54000", "Value too large",
        "{what} is too big: size {size}, maximum size {max}",
        "Store less data in one row or index key.", false);
    /// Reading a page or log failed with an I/O error.
    DiskReadFailed = ("ERR-STG-008", "58030", "Disk read failed",
        "could not read {what}: {reason}",
        "Check the disk's health (dmesg, smartctl) and the file's permissions.", false);

    /// A page or file is structurally invalid although its checksum matched (a bug or
    /// a foreign file).
    DataCorrupted = ("ERR-STG-009", "XX001", "Data corruption detected",
        "{what} is corrupt: {reason}",
        "Run `rustydb-admin verify-integrity --full` and restore the damaged relation from \
         a backup or replica.", false);

    // ---- ERR-SQL: statements --------------------------------------------------------------
    /// The statement does not parse.
    SyntaxError = ("ERR-SQL-001", "42601", "Syntax error",
        "syntax error: {reason}",
        "Check the statement near the position given; RustyDB speaks PostgreSQL's dialect.",
        false);
    /// A table, column, function, type, index or other object does not exist.
    UndefinedObject = ("ERR-SQL-002", "42704", "Undefined object",
        "{kind} \"{name}\" does not exist",
        "Check the name and the search_path; \\dt in psql lists tables.", false);
    /// An object of that name already exists.
    DuplicateObject = ("ERR-SQL-003", "42710", "Duplicate object",
        "{kind} \"{name}\" already exists",
        "Choose another name, or use IF NOT EXISTS.", false);
    /// Types do not match or a value cannot be converted.
    DatatypeMismatch = ("ERR-SQL-004", "42804", "Data type mismatch",
        "{reason}",
        "Add an explicit cast (value::type) or change the value.", false);
    /// A value is out of range, malformed, or an operation is undefined for it.
    DataException = ("ERR-SQL-005", "22000", "Data exception",
        "{reason}",
        "Check the values the statement works on.", false);
    /// A constraint (unique, not null, check, foreign key) is violated.
    ConstraintViolation = ("ERR-SQL-006", "23000", "Integrity constraint violation",
        "{reason}",
        "The row breaks a constraint of the table; see DETAIL for the offending values.",
        false);
    /// The statement uses something RustyDB does not support.
    FeatureNotSupported = ("ERR-SQL-007", "0A000", "Feature not supported",
        "{feature} is not supported",
        "See docs/sql.md for what RustyDB supports.", false);
    /// A subquery returned more than one row where one was expected.
    CardinalityViolation = ("ERR-SQL-008", "21000", "Cardinality violation",
        "{reason}",
        "Make the subquery return at most one row (add LIMIT 1 or a stronger WHERE).", false);
    /// A reference is ambiguous, ungrouped, or otherwise invalid where it stands.
    InvalidReference = ("ERR-SQL-009", "42803", "Invalid reference",
        "{reason}",
        "Qualify the column, or add it to GROUP BY or an aggregate.", false);
    /// An object cannot be dropped because others depend on it.
    DependentObjectsExist = ("ERR-SQL-010", "2BP01", "Dependent objects exist",
        "cannot drop {what} because other objects depend on it",
        "Drop the dependent objects first, or use DROP ... CASCADE.", false);
    /// A statement needs more memory than work_mem allows and cannot spill.
    WorkMemExceeded = ("ERR-SQL-011", "53200", "Work memory exceeded",
        "{what} needs more than work_mem ({limit})",
        "Raise work_mem (SET work_mem = ...) or make the query process fewer rows.", false);
    /// A statement or setting is invalid in the current state.
    InvalidParameter = ("ERR-SQL-012", "22023", "Invalid parameter value",
        "{reason}",
        "Check the value given to the setting or function.", false);
    /// The object is in use where the statement cannot touch it (the session's own role).
    ObjectInUse = ("ERR-SQL-013", "55006", "Object in use",
        "{what} is in use",
        "Run the statement from a session that does not use the object.", false);

    // ---- ERR-API: HTTP front ends ------------------------------------------------------------
    /// No such endpoint or object.
    EndpointNotFound = ("ERR-API-001", "42704", "Endpoint not found",
        "not found: {what}",
        "Check the path; GET /api/v1/openapi.json lists every endpoint.", false);
    /// The endpoint exists but not for this method.
    MethodNotAllowed = ("ERR-API-002", "0A000", "Method not allowed",
        "method {method} is not allowed on {path}",
        "Use one of the methods listed in the Allow header.", false);
    /// The request body or parameters are malformed.
    InvalidRequest = ("ERR-API-003", "08P01", "Invalid request format",
        "invalid request: {reason}",
        "Check the request against /api/v1/openapi.json.", false);
    /// Too many requests from this token or address.
    RateLimitExceeded = ("ERR-API-004", "53400", "Rate limit exceeded",
        "rate limit exceeded for {who}",
        "Wait for the number of seconds in Retry-After, and limit the client's request rate.",
        true);
    /// A bug in the server; the request id leads to the full cause in error.log.
    InternalError = ("ERR-API-005", "XX000", "Internal server error",
        "internal error (this is a bug): {reason}",
        "Report it with the request id; the full cause is in data/logs/error.log.", false);
    /// An HTTP query's result is bigger than `http.max_result_rows`.
    ResultTooLarge = ("ERR-API-006", "54000", "Result too large",
        "the result has more than {limit} rows (http.max_result_rows)",
        "Add a LIMIT or a narrower WHERE clause, or raise http.max_result_rows \
         (RUSTYDB_HTTP_MAX_RESULT_ROWS).", false);
    /// A request body is bigger than `http.max_body_bytes`.
    PayloadTooLarge = ("ERR-API-007", "54000", "Request body too large",
        "the request body is larger than {limit} bytes (http.max_body_bytes)",
        "Send a smaller body (COPY through the PostgreSQL protocol for bulk loads), or raise \
         http.max_body_bytes (RUSTYDB_HTTP_MAX_BODY_BYTES).", false);
    /// A GraphQL query is nested too deeply or asks for too much.
    QueryTooComplex = ("ERR-API-008", "54001", "Query too complex",
        "the GraphQL query is too complex: {reason}",
        "Ask for fewer fields or less nesting, or raise http.graphql_max_depth / \
         http.graphql_max_complexity.", false);

    // ---- SEC: security --------------------------------------------------------------------------
    /// Authentication failure, recorded in the security audit log.
    SecAuthFailure = ("SEC-001", "28P01", "Authentication failure",
        "Authentication failed for user '{user}'",
        "Verify the credentials; repeated failures lock the account for a while \
         (`rustydb-admin unblock-user --user <name>` lifts it).", false);
    /// The user lacks a privilege.
    SecPermissionDenied = ("SEC-002", "42501", "Authorization failure",
        "Permission denied for operation '{operation}'",
        "Ask an administrator to GRANT the privilege.", false);
    /// A client exceeded its rate limit.
    SecRateLimit = ("SEC-004", "53400", "Rate limit exceeded",
        "Rate limit exceeded for {who}",
        "Limit the client's request rate.", true);
    /// Encryption or decryption failed.
    SecEncryption = ("SEC-006", "58000", "Encryption error",
        "encryption error: {reason}",
        "Verify the certificate and key files and their permissions.", false);
}

impl ErrorCode {
    /// The catalogue entry of this code.
    pub fn info(self) -> &'static ErrorInfo {
        // The catalogue is in declaration order, so the discriminant is the index.
        &CATALOGUE[self as usize].1
    }

    /// The code as users see it, e.g. `ERR-TXN-001`.
    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The default SQLSTATE of this code.
    pub fn sqlstate(self) -> &'static str {
        self.info().sqlstate
    }

    /// Whether retrying the transaction may succeed (deadlock victim, serialization
    /// failure, lock timeout, rate limit).
    pub fn is_retryable(self) -> bool {
        self.info().retryable
    }

    /// Looks a code up by its id (`"ERR-TXN-001"`).
    pub fn from_id(id: &str) -> Option<ErrorCode> {
        CATALOGUE
            .iter()
            .find(|(_, info)| info.id == id)
            .map(|(code, _)| *code)
    }
}

/// The catalogue as a Markdown document (`docs/errors.md` is this, checked by a test).
pub fn render_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         Every error a user can see carries one of these codes, the PostgreSQL SQLSTATE that \
         drivers receive, a message naming the thing, and a hint. Codes never change meaning; \
         new ones are added at the end of their family. This file is generated from \
         `crates/common/src/codes.rs` (`UPDATE_GOLDENFILES=1 cargo test -p rustydb-common` \
         rewrites it) and a test fails if the two differ.\n\n\
         | code | SQLSTATE | title | message | what to do | retry? |\n\
         |---|---|---|---|---|---|\n",
    );
    for (_, info) in CATALOGUE {
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} | {} |\n",
            info.id,
            info.sqlstate,
            info.title,
            info.template.replace('|', "\\|"),
            info.hint.replace('|', "\\|"),
            if info.retryable { "yes" } else { "no" }
        ));
    }
    out
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn catalogue_is_in_discriminant_order() {
        for (i, (code, _)) in CATALOGUE.iter().enumerate() {
            assert_eq!(*code as usize, i, "{code:?} out of order");
        }
    }

    #[test]
    fn ids_are_unique_and_sqlstates_well_formed() {
        let mut seen = HashSet::new();
        for (_, info) in CATALOGUE {
            assert!(seen.insert(info.id), "duplicate id {}", info.id);
            assert_eq!(info.sqlstate.len(), 5, "{}", info.id);
            assert!(
                info.sqlstate
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            );
            assert!(!info.hint.is_empty() && !info.template.is_empty());
        }
    }

    #[test]
    fn guide_codes_are_all_present() {
        let mut want: Vec<String> = Vec::new();
        for family in ["DB", "CONN", "TXN", "STG", "API"] {
            for n in 1..=5 {
                want.push(format!("ERR-{family}-{n:03}"));
            }
        }
        for n in [1, 2, 4, 6] {
            want.push(format!("SEC-{n:03}"));
        }
        for id in want {
            assert!(
                ErrorCode::from_id(&id).is_some(),
                "{id} missing from the catalogue"
            );
        }
    }

    #[test]
    fn docs_errors_md_is_the_catalogue() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/errors.md");
        let want = render_markdown();
        if std::env::var_os("UPDATE_GOLDENFILES").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/errors.md is stale: run UPDATE_GOLDENFILES=1 cargo test -p rustydb-common"
        );
    }

    #[test]
    fn retryable_codes_match_postgres_retry_classes() {
        assert!(ErrorCode::DeadlockDetected.is_retryable());
        assert!(ErrorCode::SerializationFailure.is_retryable());
        assert!(ErrorCode::LockTimeout.is_retryable());
        assert!(!ErrorCode::PageChecksumMismatch.is_retryable());
        assert_eq!(ErrorCode::DeadlockDetected.sqlstate(), "40P01");
        assert_eq!(ErrorCode::SerializationFailure.sqlstate(), "40001");
        assert_eq!(ErrorCode::LockTimeout.sqlstate(), "55P03");
    }
}
