//! SQLite's sqllogictest corpus (`../shared/sqllogictest`, see its README.md) and the
//! bar each file must clear: at least as many passing records as PostgreSQL 15.

/// What a corpus file must pass.
#[derive(Debug)]
pub(crate) struct Expectation {
    /// Path under the corpus directory.
    pub(crate) file: &'static str,
    /// Records run with label `postgresql` (a change means the file or the parser
    /// changed, and the floor needs measuring again).
    pub(crate) records: usize,
    /// Fewest records that must pass.
    pub(crate) min_passed: usize,
    /// Why `min_passed` is below `records`; empty when every record must pass.
    pub(crate) reason: &'static str,
}

const fn all(file: &'static str, records: usize) -> Expectation {
    Expectation {
        file,
        records,
        min_passed: records,
        reason: "",
    }
}

/// Every file of the corpus. The evidence floors are what PostgreSQL 15 passes under the
/// same driver (`cargo test -p rustydb-tests --test slt -- --postgres 'host=...' corpus/`).
pub(crate) const EXPECTATIONS: &[Expectation] = &[
    // evidence/*: PostgreSQL 15 passes 275 of 324, as the corpus README says.
    all("evidence/slt_lang_aggfunc.test", 5),
    all("evidence/slt_lang_dropindex.test", 8),
    all("evidence/slt_lang_droptable.test", 12),
    all("evidence/slt_lang_dropview.test", 13),
    Expectation {
        file: "evidence/in1.test",
        records: 132,
        min_passed: 128,
        reason: "SQLite typing: 'hello' and x'303132' compared with an integer column \
                 (PostgreSQL: 22P02 invalid input syntax, 42883 no operator bit = integer)",
    },
    Expectation {
        file: "evidence/in2.test",
        records: 53,
        min_passed: 45,
        reason: "SQLite-only syntax: an empty list `x IN ()` (PostgreSQL: 42601)",
    },
    Expectation {
        file: "evidence/slt_lang_createtrigger.test",
        records: 26,
        min_passed: 6,
        reason: "SQLite-only syntax: CREATE TRIGGER ... BEGIN <sql>; END and the DROP \
                 TRIGGERs of those triggers (PostgreSQL's triggers run functions)",
    },
    Expectation {
        file: "evidence/slt_lang_createview.test",
        records: 15,
        min_passed: 13,
        reason: "PostgreSQL updates simple views, where SQLite rejects DELETE / UPDATE \
                 on a view (RustyDB rejects them too and passes all 15)",
    },
    Expectation {
        file: "evidence/slt_lang_droptrigger.test",
        records: 12,
        min_passed: 9,
        reason: "SQLite-only syntax: CREATE TRIGGER ... BEGIN <sql>; END, DROP TRIGGER \
                 without ON table",
    },
    Expectation {
        file: "evidence/slt_lang_reindex.test",
        records: 7,
        min_passed: 6,
        reason: "SQLite-only syntax: REINDEX <name> without INDEX / TABLE",
    },
    Expectation {
        file: "evidence/slt_lang_replace.test",
        records: 14,
        min_passed: 6,
        reason: "SQLite-only syntax: INSERT OR REPLACE and REPLACE INTO, and the queries \
                 that check what they wrote",
    },
    Expectation {
        file: "evidence/slt_lang_update.test",
        records: 27,
        min_passed: 24,
        reason: "SQLite allows one column assigned twice in UPDATE (the last wins); \
                 PostgreSQL rejects it (42601 multiple assignments to same column)",
    },
    // The rest: PostgreSQL 15 passes every record.
    all("select1.test", 1031),
    all("select2.test", 1031),
    all("select3.test", 3351),
    all("index/between_10_slt_good_1.test", 10029),
    all("index/commute_10_slt_good_0.test", 10034),
    all("index/delete_10_slt_good_0.test", 10730),
    all("index/in_10_slt_good_3.test", 10037),
    all("index/orderby_10_slt_good_0.test", 10053),
    all("index/orderby_nosort_10_slt_good_0.test", 10053),
];
