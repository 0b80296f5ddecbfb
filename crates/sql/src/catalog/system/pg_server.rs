//! `pg_database`, `pg_roles`, `pg_user`, `pg_auth_members`, `pg_tablespace`,
//! `pg_settings` and `pg_stat_activity`: the server, its roles and its sessions.

use std::time::SystemTime;

use super::{DATABASE_OID, Snapshot, SystemRelation, t, v};
use crate::types::{DataType, Value};

/// A `SystemTime` as a `timestamptz` value.
pub fn timestamptz(at: SystemTime) -> Value {
    let us = match at.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_micros()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_micros()).unwrap_or(i64::MAX),
    };
    Value::TimestampTz(crate::types::datetime::from_unix_micros(us))
}

const TS: DataType = DataType::TimestampTz;

fn role_columns(with_password: bool) -> Vec<super::SysColumn> {
    let mut cols = vec![
        ("rolname", t::TEXT),
        ("rolsuper", t::BOOL),
        ("rolinherit", t::BOOL),
        ("rolcreaterole", t::BOOL),
        ("rolcreatedb", t::BOOL),
        ("rolcanlogin", t::BOOL),
        ("rolreplication", t::BOOL),
        ("rolconnlimit", t::I4),
    ];
    if with_password {
        cols.push(("rolpassword", t::TEXT));
    }
    cols.extend([
        ("rolvaliduntil", TS),
        ("rolbypassrls", t::BOOL),
        ("rolconfig", t::array(t::TEXT)),
        ("oid", t::OID),
    ]);
    cols
}

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![
        SystemRelation {
            oid: 1262,
            schema: "pg_catalog",
            name: "pg_database",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("datname", t::TEXT),
                    ("datdba", t::OID),
                    ("encoding", t::I4),
                    ("datlocprovider", t::CHAR),
                    ("datistemplate", t::BOOL),
                    ("datallowconn", t::BOOL),
                    ("datconnlimit", t::I4),
                    ("datcollate", t::TEXT),
                    ("datctype", t::TEXT),
                    ("daticulocale", t::TEXT),
                    ("datcollversion", t::TEXT),
                    ("dattablespace", t::OID),
                    ("datacl", t::array(t::TEXT)),
                ]
            },
            rows: |s| {
                vec![vec![
                    v::oid(DATABASE_OID),
                    v::text(s.database),
                    v::oid(super::BOOTSTRAP_ROLE_OID),
                    v::i4(6),
                    v::ch('c'),
                    v::b(false),
                    v::b(true),
                    v::i4(-1),
                    v::text("C"),
                    v::text("C"),
                    v::null(),
                    v::null(),
                    v::oid(1663),
                    v::null(),
                ]]
            },
        },
        SystemRelation {
            oid: 12_001,
            schema: "pg_catalog",
            name: "pg_roles",
            is_view: true,
            needs_views: false,
            columns: || role_columns(true),
            rows: |s| role_rows(s, true),
        },
        SystemRelation {
            oid: 12_002,
            schema: "pg_catalog",
            name: "pg_user",
            is_view: true,
            needs_views: false,
            columns: || {
                vec![
                    ("usename", t::TEXT),
                    ("usesysid", t::OID),
                    ("usecreatedb", t::BOOL),
                    ("usesuper", t::BOOL),
                    ("userepl", t::BOOL),
                    ("usebypassrls", t::BOOL),
                    ("passwd", t::TEXT),
                    ("valuntil", TS),
                    ("useconfig", t::TEXT),
                ]
            },
            rows: |s| {
                s.state
                    .roles()
                    .into_iter()
                    .filter(|r| r.can_login)
                    .map(|r| {
                        vec![
                            v::text(r.name.clone()),
                            v::oid(r.oid),
                            v::b(r.create_db),
                            v::b(r.superuser),
                            v::b(r.superuser),
                            v::b(r.superuser),
                            v::text("********"),
                            r.valid_until.map_or(Value::Null, Value::TimestampTz),
                            v::null(),
                        ]
                    })
                    .collect()
            },
        },
        SystemRelation {
            oid: 1261,
            schema: "pg_catalog",
            name: "pg_auth_members",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("roleid", t::OID),
                    ("member", t::OID),
                    ("grantor", t::OID),
                    ("admin_option", t::BOOL),
                ]
            },
            // RustyDB has no role membership (GRANT role TO role): no rows is the truth.
            rows: |_| Vec::new(),
        },
        SystemRelation {
            oid: 1213,
            schema: "pg_catalog",
            name: "pg_tablespace",
            is_view: false,
            needs_views: false,
            columns: || {
                vec![
                    ("oid", t::OID),
                    ("spcname", t::TEXT),
                    ("spcowner", t::OID),
                    ("spcacl", t::TEXT),
                    ("spcoptions", t::TEXT),
                ]
            },
            rows: |_| {
                vec![
                    vec![
                        v::oid(1663),
                        v::text("pg_default"),
                        v::oid(super::BOOTSTRAP_ROLE_OID),
                        v::null(),
                        v::null(),
                    ],
                    vec![
                        v::oid(1664),
                        v::text("pg_global"),
                        v::oid(super::BOOTSTRAP_ROLE_OID),
                        v::null(),
                        v::null(),
                    ],
                ]
            },
        },
        SystemRelation {
            oid: 12_003,
            schema: "pg_catalog",
            name: "pg_settings",
            is_view: true,
            needs_views: false,
            columns: || {
                vec![
                    ("name", t::TEXT),
                    ("setting", t::TEXT),
                    ("unit", t::TEXT),
                    ("context", t::TEXT),
                    ("vartype", t::TEXT),
                    ("source", t::TEXT),
                    ("boot_val", t::TEXT),
                    ("reset_val", t::TEXT),
                    ("pending_restart", t::BOOL),
                ]
            },
            rows: |s| {
                let mut rows: Vec<(String, Vec<Value>)> = s
                    .system
                    .settings
                    .iter()
                    .map(|(name, value)| {
                        let settable = crate::settings::is_settable(name);
                        let boot = crate::settings::default_value(name);
                        let source = if boot.as_deref() == Some(value.as_str()) {
                            "default"
                        } else {
                            "session"
                        };
                        (
                            name.to_lowercase(),
                            vec![
                                v::text(name.clone()),
                                v::text(value.clone()),
                                v::null(),
                                v::text(if settable { "user" } else { "internal" }),
                                v::text("string"),
                                v::text(source),
                                boot.map_or(Value::Null, v::text),
                                v::null(),
                                v::b(false),
                            ],
                        )
                    })
                    .collect();
                rows.sort_by(|a, b| a.0.cmp(&b.0));
                rows.into_iter().map(|(_, r)| r).collect()
            },
        },
        SystemRelation {
            oid: 12_004,
            schema: "pg_catalog",
            name: "pg_stat_activity",
            is_view: true,
            needs_views: false,
            columns: || {
                vec![
                    ("datid", t::OID),
                    ("datname", t::TEXT),
                    ("pid", t::I4),
                    ("leader_pid", t::I4),
                    ("usesysid", t::OID),
                    ("usename", t::TEXT),
                    ("application_name", t::TEXT),
                    ("client_addr", t::TEXT),
                    ("client_hostname", t::TEXT),
                    ("client_port", t::I4),
                    ("backend_start", TS),
                    ("query_start", TS),
                    ("state_change", TS),
                    ("wait_event_type", t::TEXT),
                    ("wait_event", t::TEXT),
                    ("state", t::TEXT),
                    ("backend_xid", t::I8),
                    ("backend_xmin", t::I8),
                    ("query", t::TEXT),
                    ("backend_type", t::TEXT),
                ]
            },
            rows: activity_rows,
        },
    ]
}

fn role_rows(s: &Snapshot<'_>, with_password: bool) -> Vec<Vec<Value>> {
    s.state
        .roles()
        .into_iter()
        .map(|r| {
            let mut row = vec![
                v::text(r.name.clone()),
                v::b(r.superuser),
                v::b(true),
                v::b(r.create_role || r.superuser),
                v::b(r.create_db || r.superuser),
                v::b(r.can_login),
                v::b(r.superuser),
                v::i4(r.connection_limit),
            ];
            if with_password {
                row.push(v::text("********"));
            }
            let valid_until = r.valid_until.map_or(Value::Null, Value::TimestampTz);
            row.extend([valid_until, v::b(r.superuser), v::null(), v::oid(r.oid)]);
            row
        })
        .collect()
}

fn activity_rows(s: &Snapshot<'_>) -> Vec<Vec<Value>> {
    let mut sessions = s.system.sessions();
    sessions.sort_by_key(|x| x.pid);
    sessions
        .into_iter()
        .map(|x| {
            let usesysid = s.state.role(&x.user).map_or(Value::Null, |r| v::oid(r.oid));
            vec![
                v::oid(DATABASE_OID),
                v::text(x.database),
                v::i4(i32::try_from(x.pid).unwrap_or(i32::MAX)),
                v::null(),
                usesysid,
                v::text(x.user),
                v::text(x.application_name),
                x.client_addr
                    .map_or(Value::Null, |a| v::text(a.ip().to_string())),
                v::null(),
                x.client_addr
                    .map_or(Value::Null, |a| v::i4(i32::from(a.port()))),
                timestamptz(x.connected_at),
                x.query_started_at.map_or(Value::Null, timestamptz),
                timestamptz(x.state_changed_at),
                v::null(),
                v::null(),
                v::text(x.state.as_str()),
                x.transaction_id.map_or(Value::Null, |t| {
                    Value::Int8(i64::try_from(t).unwrap_or(i64::MAX))
                }),
                v::null(),
                v::text(x.query),
                v::text("client backend"),
            ]
        })
        .collect()
}
