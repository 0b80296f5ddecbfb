//! Checking what clients name: isolation levels and savepoints.

use rustydb_txn::IsolationLevel;

use crate::error::ApiError;

/// Parses an isolation level as SQL spells it (`repeatable read`; case, `_` and `-` are
/// ignored); `None` is the server's default (`read committed` unless configured).
pub fn parse_isolation(text: Option<&str>) -> Result<Option<IsolationLevel>, ApiError> {
    let Some(text) = text else { return Ok(None) };
    let norm = text
        .to_ascii_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Some(match norm.as_str() {
        "read uncommitted" => IsolationLevel::ReadUncommitted,
        "read committed" => IsolationLevel::ReadCommitted,
        "repeatable read" => IsolationLevel::RepeatableRead,
        "serializable" => IsolationLevel::Serializable,
        _ => {
            return Err(ApiError::bad_request(format!(
                "field isolation_level: unknown isolation level {text:?} (expected \"read \
                 uncommitted\", \"read committed\", \"repeatable read\" or \"serializable\")"
            )));
        }
    }))
}

/// Checks a savepoint name: an SQL identifier (letters, digits, `_`, `$`, not starting
/// with a digit or `$`, at most 63 bytes). It is quoted when used.
pub fn check_savepoint_name(name: &str) -> Result<(), ApiError> {
    let mut chars = name.chars();
    let ok = name.len() <= 63
        && chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$');
    if ok {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "field name: {name:?} is not a valid savepoint name (letters, digits, _ and $, \
             starting with a letter or _, at most 63 bytes)"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_levels_parse() {
        assert_eq!(parse_isolation(None).unwrap(), None);
        assert_eq!(
            parse_isolation(Some("REPEATABLE_READ")).unwrap(),
            Some(IsolationLevel::RepeatableRead)
        );
        assert_eq!(
            parse_isolation(Some("read  committed")).unwrap(),
            Some(IsolationLevel::ReadCommitted)
        );
        let e = parse_isolation(Some("chaos")).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.error().message().contains("isolation_level"));
    }

    #[test]
    fn savepoint_names_are_identifiers() {
        assert!(check_savepoint_name("sp_1").is_ok());
        assert!(check_savepoint_name("1sp").is_err());
        assert!(check_savepoint_name("a\"b").is_err());
        assert!(check_savepoint_name("").is_err());
        assert!(check_savepoint_name(&"a".repeat(64)).is_err());
    }
}
