//! Catalogs of features RustyDB does not have: comments, inheritance, triggers, row
//! security policies, rewrite rules, extended statistics, publications, extensions.
//! They exist so that tools' queries run, and they are empty, which is the truth.

use super::{SystemRelation, t};

fn empty(oid: u32, name: &'static str, columns: fn() -> Vec<super::SysColumn>) -> SystemRelation {
    SystemRelation {
        oid,
        schema: "pg_catalog",
        name,
        is_view: false,
        needs_views: false,
        columns,
        rows: |_| Vec::new(),
    }
}

pub(super) fn defs() -> Vec<SystemRelation> {
    vec![
        empty(2609, "pg_description", || {
            vec![
                ("objoid", t::OID),
                ("classoid", t::OID),
                ("objsubid", t::I4),
                ("description", t::TEXT),
            ]
        }),
        empty(2396, "pg_shdescription", || {
            vec![
                ("objoid", t::OID),
                ("classoid", t::OID),
                ("description", t::TEXT),
            ]
        }),
        empty(2611, "pg_inherits", || {
            vec![
                ("inhrelid", t::OID),
                ("inhparent", t::OID),
                ("inhseqno", t::I4),
                ("inhdetachpending", t::BOOL),
            ]
        }),
        empty(2620, "pg_trigger", || {
            vec![
                ("oid", t::OID),
                ("tgrelid", t::OID),
                ("tgparentid", t::OID),
                ("tgname", t::TEXT),
                ("tgfoid", t::OID),
                ("tgtype", t::I2),
                ("tgenabled", t::CHAR),
                ("tgisinternal", t::BOOL),
                ("tgconstrrelid", t::OID),
                ("tgconstraint", t::OID),
            ]
        }),
        empty(3256, "pg_policy", || {
            vec![
                ("oid", t::OID),
                ("polname", t::TEXT),
                ("polrelid", t::OID),
                ("polcmd", t::CHAR),
                ("polpermissive", t::BOOL),
                ("polroles", t::array(t::OID)),
                ("polqual", t::TEXT),
                ("polwithcheck", t::TEXT),
            ]
        }),
        empty(2618, "pg_rewrite", || {
            vec![
                ("oid", t::OID),
                ("rulename", t::TEXT),
                ("ev_class", t::OID),
                ("ev_type", t::CHAR),
                ("is_instead", t::BOOL),
            ]
        }),
        empty(3381, "pg_statistic_ext", || {
            vec![
                ("oid", t::OID),
                ("stxrelid", t::OID),
                ("stxname", t::TEXT),
                ("stxnamespace", t::OID),
                ("stxowner", t::OID),
                ("stxstattarget", t::I4),
                ("stxkeys", t::TEXT),
                ("stxkind", t::array(t::CHAR)),
            ]
        }),
        empty(6104, "pg_publication", || {
            vec![
                ("oid", t::OID),
                ("pubname", t::TEXT),
                ("pubowner", t::OID),
                ("puballtables", t::BOOL),
                ("pubinsert", t::BOOL),
                ("pubupdate", t::BOOL),
                ("pubdelete", t::BOOL),
                ("pubtruncate", t::BOOL),
                ("pubviaroot", t::BOOL),
            ]
        }),
        empty(6106, "pg_publication_rel", || {
            vec![
                ("oid", t::OID),
                ("prpubid", t::OID),
                ("prrelid", t::OID),
                ("prqual", t::TEXT),
                ("prattrs", t::array(t::I2)),
            ]
        }),
        empty(6237, "pg_publication_namespace", || {
            vec![("oid", t::OID), ("pnpubid", t::OID), ("pnnspid", t::OID)]
        }),
        empty(3079, "pg_extension", || {
            vec![
                ("oid", t::OID),
                ("extname", t::TEXT),
                ("extowner", t::OID),
                ("extnamespace", t::OID),
                ("extrelocatable", t::BOOL),
                ("extversion", t::TEXT),
            ]
        }),
    ]
}
