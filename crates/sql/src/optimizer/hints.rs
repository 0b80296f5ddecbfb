//! Optimizer hints, the operations guide's `/*+ INDEX(table index) */` and
//! `/*+ LEADING(a b c) */`, taken from comments at the start of a statement.
//!
//! Hints are advice: an `INDEX` hint naming an index that cannot serve the scan's
//! conditions is ignored (EXPLAIN shows what was used), and `LEADING` fixes the order of
//! the named relations in their join chain while unnamed ones follow greedily.

/// Parsed hints.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// `INDEX(table index)`: (table name or alias, index name).
    pub index: Vec<(String, String)>,
    /// `LEADING(a b c)`: join order of these relations (names or aliases).
    pub leading: Option<Vec<String>>,
}

impl Hints {
    /// Parses hint texts (the inside of `/*+ ... */` comments). Unknown hints are
    /// ignored, as other databases do, so a hint for another system does no harm.
    pub fn parse<S: AsRef<str>>(texts: &[S]) -> Hints {
        let mut h = Hints::default();
        for text in texts {
            let mut rest = text.as_ref();
            while let Some(open) = rest.find('(') {
                let name = rest[..open].trim().to_ascii_uppercase();
                let Some(close) = rest[open..].find(')') else {
                    break;
                };
                let args: Vec<String> = rest[open + 1..open + close]
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .filter(|a| !a.is_empty())
                    .map(|a| a.trim_matches('"').to_ascii_lowercase())
                    .collect();
                let name = name
                    .rsplit(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or("")
                    .to_string();
                match (name.as_str(), args.as_slice()) {
                    ("INDEX", [t, i]) => h.index.push((t.clone(), i.clone())),
                    ("LEADING", list) if !list.is_empty() => h.leading = Some(list.to_vec()),
                    _ => {}
                }
                rest = &rest[open + close + 1..];
            }
        }
        h
    }

    /// The index hinted for a table referred to as `name` (table name or alias).
    pub fn index_for(&self, names: &[&str]) -> Option<&str> {
        self.index
            .iter()
            .find(|(t, _)| names.iter().any(|n| n.eq_ignore_ascii_case(t)))
            .map(|(_, i)| i.as_str())
    }

    /// Extracts the texts of `/*+ ... */` comments from a statement's SQL.
    pub fn texts_in(sql: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = sql;
        while let Some(start) = rest.find("/*+") {
            let after = &rest[start + 3..];
            let Some(end) = after.find("*/") else { break };
            out.push(after[..end].trim().to_string());
            rest = &after[end + 2..];
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_guides_hints() {
        let sql = "SELECT /*+ INDEX(users idx_users_email) */ * FROM users; \
                   SELECT /*+ LEADING(a b c) */ * FROM a, b, c";
        let h = Hints::parse(&Hints::texts_in(sql));
        assert_eq!(h.index, vec![("users".into(), "idx_users_email".into())]);
        assert_eq!(h.leading, Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(h.index_for(&["u", "users"]), Some("idx_users_email"));
        assert_eq!(Hints::parse(&["FULL(t) PARALLEL(4)"]), Hints::default());
    }
}
