//! [`Engine`]: one open database (storage, transactions, catalog, statistics) that
//! sessions run statements against.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rustydb_common::DbError;
use rustydb_common::config::Config;
use rustydb_storage::{Direction, HeapFile, RecordMeta, Storage, StorageOptions, Tid};
use rustydb_txn::vacuum::VacuumReport;
use rustydb_txn::{IsolationLevel, TxnConfig, TxnManager};

use crate::catalog::{Catalog, Oid, TableRef};
use crate::optimizer::stats::{ColumnStats, TableStats};
use crate::optimizer::{Optimizer, Statistics};
use crate::session::{Session, SessionRegistry};
use crate::types::compare::sort_cmp;
use crate::types::text::format_value;

/// How to open an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Storage settings.
    pub storage: StorageOptions,
    /// Transaction settings.
    pub txn: TxnConfig,
    /// `max_connections` as SHOW reports it.
    pub max_connections: u32,
    /// Statements taking at least this long go to the slow query log
    /// (`log.slow_query_threshold_ms`).
    pub slow_query_threshold: Duration,
}

impl EngineOptions {
    /// Defaults for a data directory.
    pub fn new(data_dir: impl Into<std::path::PathBuf>) -> EngineOptions {
        EngineOptions {
            storage: StorageOptions::new(data_dir),
            txn: TxnConfig::default(),
            max_connections: 100,
            slow_query_threshold: Duration::from_millis(1000),
        }
    }

    /// The settings of a validated configuration.
    pub fn from_config(config: &Config) -> EngineOptions {
        EngineOptions {
            storage: StorageOptions::from_config(config),
            txn: TxnConfig::default(),
            max_connections: config.server.max_connections,
            slow_query_threshold: Duration::from_millis(config.log.slow_query_threshold_ms),
        }
    }
}

/// An open database. See the module documentation.
#[derive(Debug)]
pub struct Engine {
    storage: Arc<Storage>,
    txns: Arc<TxnManager>,
    catalog: Arc<Catalog>,
    stats: Statistics,
    optimizer: Optimizer,
    options: EngineOptions,
    started_at: SystemTime,
    sessions: SessionRegistry,
    observer: crate::observe::Observer,
}

impl Engine {
    /// Opens (creating or recovering) the database.
    pub fn open(options: EngineOptions) -> Result<Arc<Engine>, DbError> {
        let storage = Storage::open(options.storage.clone())?;
        let txns = TxnManager::open(&storage, options.txn.clone())?;
        let catalog = Arc::new(Catalog::open(&storage, &txns)?);
        let observer = crate::observe::Observer::new(options.slow_query_threshold);
        let engine = Arc::new(Engine {
            storage,
            txns,
            catalog,
            stats: Statistics::default(),
            optimizer: Optimizer::default(),
            options,
            started_at: SystemTime::now(),
            sessions: SessionRegistry::default(),
            observer,
        });
        engine.register_autovacuum();
        Ok(engine)
    }

    /// A new session.
    pub fn session(self: &Arc<Self>) -> Session {
        Session::new(self.clone())
    }

    /// Every open session.
    pub fn sessions(&self) -> &SessionRegistry {
        &self.sessions
    }

    /// The storage engine.
    pub fn storage(&self) -> &Arc<Storage> {
        &self.storage
    }

    /// The transaction manager.
    pub fn txns(&self) -> &Arc<TxnManager> {
        &self.txns
    }

    /// The catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// Table statistics.
    pub fn stats(&self) -> &Statistics {
        &self.stats
    }

    /// The optimizer.
    pub fn optimizer(&self) -> &Optimizer {
        &self.optimizer
    }

    /// The options it was opened with.
    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// Statement observability: slow query log and change feed.
    pub fn observer(&self) -> &crate::observe::Observer {
        &self.observer
    }

    /// The most recent slow statements (newest first), at most `limit`, that took at
    /// least `min_duration_ms` (the log keeps the last
    /// [`crate::observe::SLOW_LOG_CAPACITY`]).
    pub fn slow_queries(
        &self,
        limit: usize,
        min_duration_ms: u64,
    ) -> Vec<crate::observe::SlowQuery> {
        self.observer.slow_log().recent(limit, min_duration_ms)
    }

    /// Subscribes to committed INSERT / UPDATE / DELETE statements, one
    /// [`crate::observe::TableChange`] per statement and table, sent after the commit.
    pub fn subscribe_changes(
        &self,
    ) -> tokio::sync::broadcast::Receiver<crate::observe::TableChange> {
        self.observer.subscribe_changes()
    }

    /// When it was opened.
    pub fn started_at(&self) -> SystemTime {
        self.started_at
    }

    /// Registers every table with autovacuum (at open, and after DDL commits).
    pub fn register_autovacuum(self: &Arc<Self>) {
        for table in self.catalog.committed().tables() {
            let weak = Arc::downgrade(self);
            let oid = table.def.oid;
            self.txns.register_for_autovacuum(
                table.heap.clone(),
                Arc::new(move |dead: &HashSet<Tid>| match weak.upgrade() {
                    Some(engine) => engine.remove_index_entries(oid, dead).map_err(|e| {
                        rustydb_txn::TxnError::Internal(format!(
                            "index cleanup of table {oid}: {e}"
                        ))
                    }),
                    None => Ok(()),
                }),
            );
        }
    }

    /// Removes the entries of every index of table `oid` that point at `dead` versions.
    pub fn remove_index_entries(&self, oid: Oid, dead: &HashSet<Tid>) -> Result<(), DbError> {
        let Some(table) = self.catalog.committed().table_by_oid(oid) else {
            return Ok(());
        };
        for index in &table.indexes {
            let mut cursor = index.btree.range(
                std::ops::Bound::Unbounded,
                std::ops::Bound::Unbounded,
                Direction::Forward,
            );
            let mut doomed = Vec::new();
            while let Some((key, _)) = cursor.next()? {
                let tid = key
                    .len()
                    .checked_sub(Tid::ENCODED_LEN)
                    .and_then(|at| Tid::decode(&key[at..]));
                if tid.is_some_and(|t| dead.contains(&t)) {
                    doomed.push(key);
                }
            }
            for key in doomed {
                index.btree.delete(&key, RecordMeta::NONE)?;
            }
        }
        Ok(())
    }

    /// VACUUM of one table.
    pub fn vacuum_table(&self, table: &TableRef) -> Result<VacuumReport, DbError> {
        let oid = table.def.oid;
        Ok(self.txns.vacuum(&table.heap, &|dead: &HashSet<Tid>| {
            self.remove_index_entries(oid, dead)
                .map_err(|e| rustydb_txn::TxnError::Internal(format!("index cleanup: {e}")))
        })?)
    }

    /// ANALYZE of one table: exact row count, distinct values, NULL fraction and a
    /// 100-bucket histogram per column, from the rows visible now.
    pub fn analyze_table(&self, table: &TableRef) -> Result<TableStats, DbError> {
        let mut txn = self.txns.begin(IsolationLevel::ReadCommitted)?;
        txn.begin_statement(Some("ANALYZE"))?;
        let ncols = table.visible.len();
        let mut columns: Vec<Vec<crate::types::Value>> = vec![Vec::new(); ncols];
        let mut rows = 0f64;
        let mut scan = txn.scan(&table.heap)?;
        while let Some((_, bytes)) = scan.next_row(&txn)? {
            let values = crate::row::decode_row(&bytes, &table.types)?;
            for (i, &pos) in table.visible.iter().enumerate() {
                columns[i].push(
                    values
                        .get(pos)
                        .cloned()
                        .unwrap_or(crate::types::Value::Null),
                );
            }
            rows += 1.0;
        }
        txn.end_statement();
        txn.commit()?;
        let col_stats = columns
            .into_iter()
            .map(|mut vals| {
                let nulls = vals.iter().filter(|v| v.is_null()).count() as f64;
                vals.retain(|v| !v.is_null());
                let distinct = vals.iter().map(format_value).collect::<HashSet<_>>().len() as f64;
                vals.sort_by(sort_cmp);
                let histogram = if vals.is_empty() {
                    Vec::new()
                } else {
                    (0..=100)
                        .map(|i| vals[(i * (vals.len() - 1)) / 100].clone())
                        .collect()
                };
                ColumnStats {
                    distinct,
                    null_frac: if rows > 0.0 { nulls / rows } else { 0.0 },
                    histogram,
                }
            })
            .collect();
        let stats = TableStats {
            rows,
            columns: col_stats,
        };
        self.stats.set(table.def.oid, stats.clone());
        Ok(stats)
    }

    /// Opens a heap by oid (for tools).
    pub fn heap_of(&self, oid: Oid) -> Option<HeapFile> {
        self.catalog
            .committed()
            .table_by_oid(oid)
            .map(|t| t.heap.clone())
    }

    /// Stops background work and checkpoints: a clean shutdown.
    pub fn shutdown(&self) -> Result<(), DbError> {
        self.txns.shutdown();
        self.storage.shutdown()?;
        Ok(())
    }

    /// The role named `name` in the committed catalog (what authentication checks).
    pub fn role(&self, name: &str) -> Option<crate::catalog::roles::RoleInfo> {
        self.catalog.committed().role(name).map(|r| r.info())
    }

    /// Gives the bootstrap superuser (`rustydb`, which every database has from its first
    /// start, SUPERUSER LOGIN without a password) the password `password` if it has none
    /// yet. Returns true if it set it, false if a password was already set (it is left
    /// alone). The server calls this at start with its configured or generated password.
    pub fn bootstrap_superuser(&self, password: &str) -> Result<bool, DbError> {
        let verifier = crate::auth::ScramVerifier::from_password(password).to_string();
        self.catalog
            .update_role(&self.txns, crate::catalog::BOOTSTRAP_SUPERUSER_OID, |r| {
                Ok(r.password.is_none().then(|| crate::catalog::RoleDef {
                    password: Some(verifier),
                    ..r.clone()
                }))
            })
    }

    /// Sets the password of role `name` (stored as a SCRAM-SHA-256 verifier; a verifier
    /// given as the password is stored as is), committed at once. 42704 if there is no
    /// such role.
    pub fn set_role_password(&self, name: &str, password: &str) -> Result<(), DbError> {
        let oid = self
            .catalog
            .committed()
            .role(name)
            .map(|r| r.oid)
            .ok_or_else(|| crate::catalog::privileges::undefined_role(name))?;
        let stored = crate::auth::ScramVerifier::parse(password)
            .unwrap_or_else(|| crate::auth::ScramVerifier::from_password(password))
            .to_string();
        self.catalog.update_role(&self.txns, oid, |r| {
            Ok(Some(crate::catalog::RoleDef {
                password: Some(stored),
                ..r.clone()
            }))
        })?;
        Ok(())
    }

    /// Default statement timeout etc. for new sessions.
    pub fn default_idle_timeout(&self) -> Option<Duration> {
        self.options.txn.idle_in_transaction_timeout
    }
}
