//! Cursors over large results: [`crate::sql_json::run_query`] sends the first page and
//! leaves the rest here, under a random id the client pages through with
//! `GET /api/v1/query/cursors/{cursor}` (and may close early with DELETE).
//!
//! A cursor holds the remaining rows as JSON in memory (at most `http.max_result_rows`
//! per cursor, since bigger results are refused), belongs to the user that ran the query
//! (anyone else gets 404, as for an unknown id, so ids cannot be probed), is dropped when
//! its last page is read, and expires after `http.idle_timeout_seconds` without use.
//! Expired cursors are swept on every access to the store.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::auth::Principal;
use crate::error::ApiError;
use crate::sql_json::{PendingRows, QueryOutput};

/// Open cursors of every user.
#[derive(Debug, Default)]
pub struct Cursors {
    open: Mutex<HashMap<String, Cursor>>,
}

#[derive(Debug)]
struct Cursor {
    owner: String,
    rows: PendingRows,
    last_used: Instant,
}

impl Cursors {
    /// An empty store.
    pub fn new() -> Cursors {
        Cursors::default()
    }

    /// Keeps `rows` for `owner` and returns the new cursor's id; `idle` is the expiry
    /// applied to the other cursors swept meanwhile.
    pub fn open(&self, owner: &Principal, rows: PendingRows, idle: Duration) -> String {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let mut open = self.open.lock();
        sweep(&mut open, idle);
        open.insert(
            id.clone(),
            Cursor {
                owner: owner.user.clone(),
                rows,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// The next page (at most `page_size` rows) of cursor `id`; its `next_cursor` is `id`
    /// again while rows remain, and the cursor is gone after the last page.
    pub fn next(
        &self,
        id: &str,
        caller: &Principal,
        page_size: usize,
        idle: Duration,
    ) -> Result<QueryOutput, ApiError> {
        let mut open = self.open.lock();
        sweep(&mut open, idle);
        let cursor = open
            .get_mut(id)
            .filter(|c| c.owner == caller.user)
            .ok_or_else(|| ApiError::not_found(format!("cursor {id}")))?;
        let mut page = cursor.rows.next_page(page_size);
        cursor.last_used = Instant::now();
        if cursor.rows.is_empty() {
            open.remove(id);
        } else {
            page.next_cursor = Some(id.to_string());
        }
        Ok(page)
    }

    /// Drops cursor `id` before its end.
    pub fn close(&self, id: &str, caller: &Principal, idle: Duration) -> Result<(), ApiError> {
        let mut open = self.open.lock();
        sweep(&mut open, idle);
        match open.get(id) {
            Some(c) if c.owner == caller.user => {
                open.remove(id);
                Ok(())
            }
            _ => Err(ApiError::not_found(format!("cursor {id}"))),
        }
    }

    /// Drops every cursor unused for `idle`.
    pub fn sweep(&self, idle: Duration) {
        sweep(&mut self.open.lock(), idle);
    }

    /// How many cursors are open.
    pub fn len(&self) -> usize {
        self.open.lock().len()
    }

    /// Whether no cursor is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn sweep(open: &mut HashMap<String, Cursor>, idle: Duration) {
    open.retain(|_, c| c.last_used.elapsed() < idle);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    fn user(name: &str) -> Principal {
        Principal {
            user: name.into(),
            superuser: false,
            token_id: None,
        }
    }

    #[test]
    fn pages_then_disappears_and_is_private() {
        let store = Cursors::new();
        let rows = PendingRows {
            columns: Vec::new(),
            command: "SELECT 5".into(),
            rows_affected: 5,
            rows: (0..5)
                .map(|i| vec![serde_json::json!(i)])
                .collect::<VecDeque<_>>(),
        };
        let idle = Duration::from_secs(60);
        let id = store.open(&user("a"), rows, idle);
        assert_eq!(
            store.next(&id, &user("b"), 2, idle).unwrap_err().status(),
            404
        );
        let p = store.next(&id, &user("a"), 2, idle).unwrap();
        assert_eq!(p.rows.len(), 2);
        assert_eq!(p.next_cursor.as_deref(), Some(id.as_str()));
        let p = store.next(&id, &user("a"), 3, idle).unwrap();
        assert_eq!(p.rows.len(), 3);
        assert_eq!(p.next_cursor, None);
        assert!(store.is_empty());
        assert_eq!(
            store.close(&id, &user("a"), idle).unwrap_err().status(),
            404
        );
    }
}
