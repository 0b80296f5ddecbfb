//! Integrity checking: read every page of every relation from disk and check it.
//!
//! Each page is read directly from its file (not from the buffer pool, whose copy may be
//! newer and never went to disk), its checksum verified, and, by page type, its structure
//! checked: slotted pages' pointers and items. Index-level invariants (key order across
//! pages) are the B+tree's own `verify`. This is what `rustydb-admin verify-integrity`
//! runs, and what the crash tests run after every restart.

use crate::Storage;
use crate::disk::Verify;
use crate::error::{Result, StorageError};
use crate::ids::{PAGE_SIZE, PageId, RelId};
use crate::page::slotted::SlottedPage;
use crate::page::{self, PageType};

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The page.
    pub page: PageId,
    /// What is wrong.
    pub reason: String,
}

/// The result of a check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrityReport {
    /// Relations checked.
    pub relations: usize,
    /// Pages checked.
    pub pages: u64,
    /// Problems found (empty: all good).
    pub problems: Vec<Problem>,
}

impl IntegrityReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks one page's bytes as read from disk.
pub fn check_page(id: PageId, bytes: &[u8]) -> std::result::Result<(), String> {
    if let Err((stored, computed)) = page::verify_checksum(id, bytes) {
        return Err(format!(
            "checksum mismatch: stored {stored:#010x}, computed {computed:#010x}"
        ));
    }
    match page::page_type(bytes) {
        Some(PageType::New) => {
            if page::is_zero_page(bytes) {
                Ok(())
            } else {
                Err("page of type 'new' is not all zeroes".into())
            }
        }
        Some(
            PageType::Heap | PageType::BTreeInternal | PageType::BTreeLeaf | PageType::BTreeMeta,
        ) => SlottedPage::new(bytes).validate(),
        Some(PageType::Clog | PageType::Free | PageType::Overflow) => Ok(()),
        None => Err(format!("unknown page type {}", bytes[12])),
    }
}

impl Storage {
    /// Checks every page of `rels` (all relations when `None`) on disk. Dirty pages are
    /// written back first so the files reflect everything committed so far.
    pub fn verify_integrity(&self, rels: Option<&[RelId]>) -> Result<IntegrityReport> {
        self.pool.flush_all()?;
        let all = match rels {
            Some(r) => r.to_vec(),
            None => self.disk.list()?,
        };
        let mut report = IntegrityReport {
            relations: all.len(),
            ..Default::default()
        };
        let mut buf = vec![0u8; PAGE_SIZE];
        for rel in all {
            let n = self.disk.nblocks(rel)?;
            for p in 0..n {
                let id = PageId::new(rel, p);
                report.pages += 1;
                match self.disk.read_page(id, &mut buf, Verify::No) {
                    Ok(()) => {
                        if let Err(reason) = check_page(id, &buf) {
                            report.problems.push(Problem { page: id, reason });
                        }
                    }
                    Err(StorageError::Read { source, .. }) => {
                        report.problems.push(Problem {
                            page: id,
                            reason: format!("read failed: {source}"),
                        });
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }
}
