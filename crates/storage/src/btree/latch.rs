//! Finding the root and descending to a leaf under the latch protocol of [`super`].

use super::meta::Meta;
use super::node::{Node, Seek, corrupt};
use super::{BTree, META_PAGE};
use crate::buffer::{PageReadGuard, PageWriteGuard};
use crate::error::{Result, StorageError};
use crate::ids::{Lsn, PageId};

/// A page latched in either mode.
#[derive(Debug)]
pub(super) enum Latched<'a> {
    Read(PageReadGuard<'a>),
    Write(PageWriteGuard<'a>),
}

impl Latched<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Latched::Read(g) => g,
            Latched::Write(g) => g.page(),
        }
    }
}

/// How to latch the root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RootMode {
    Read,
    Write,
    /// Write if the root is a leaf (an optimistic writer's leaf), read otherwise.
    WriteIfLeaf,
}

impl BTree {
    /// A page for reading; a page past the end of the file is index corruption here, since
    /// only a pointer inside the index can name it.
    pub(super) fn latch_read(&self, id: PageId) -> Result<PageReadGuard<'_>> {
        self.storage.pool().read(id).map_err(|e| self.beyond_eof(e))
    }

    /// A page for writing, as [`BTree::latch_read`].
    pub(super) fn latch_write(&self, id: PageId) -> Result<PageWriteGuard<'_>> {
        self.storage
            .pool()
            .write(id)
            .map_err(|e| self.beyond_eof(e))
    }

    /// Write-latches `page`, a pointer read from a node, unless this thread already holds
    /// it (only a corrupt pointer can name a held page, and waiting would self-deadlock).
    pub(super) fn latch_write_unheld(
        &self,
        page: u32,
        held: impl IntoIterator<Item = PageId>,
    ) -> Result<PageWriteGuard<'_>> {
        let id = self.page(page);
        if held.into_iter().any(|h| h == id) {
            return Err(corrupt(
                self.rel,
                format!("page {page} is reachable twice from one path (a pointer cycle)"),
            ));
        }
        self.latch_write(id)
    }

    fn beyond_eof(&self, e: StorageError) -> StorageError {
        match e {
            StorageError::PageBeyondEof(id) if id.rel == self.rel => corrupt(
                self.rel,
                format!(
                    "a pointer names page {}, beyond the end of the file",
                    id.page
                ),
            ),
            e => e,
        }
    }

    /// The meta page's contents and LSN, read under a latch released before returning.
    pub(super) fn read_meta(&self) -> Result<(Meta, Lsn)> {
        let g = self.latch_read(self.page(META_PAGE))?;
        Ok((Meta::read(self.rel, &g)?, g.lsn()))
    }

    /// The meta page, write-latched, with its contents.
    pub(super) fn write_meta(&self) -> Result<(PageWriteGuard<'_>, Meta)> {
        let g = self.latch_write(self.page(META_PAGE))?;
        let m = Meta::read(self.rel, g.page())?;
        Ok((g, m))
    }

    /// Latches the root. The meta page is released before the root is latched, so the
    /// page it named may have stopped being the root meanwhile; the root flag tells, and
    /// then the meta page is read again. If it still names the same page at the same LSN,
    /// nothing changed it and the mismatch is corruption.
    fn latch_root(&self, mode: RootMode) -> Result<Latched<'_>> {
        loop {
            let (meta, lsn) = self.read_meta()?;
            let id = self.page(meta.root);
            let write = match mode {
                RootMode::Read => false,
                RootMode::Write => true,
                RootMode::WriteIfLeaf => meta.level == 0,
            };
            let g = if write {
                Latched::Write(self.latch_write(id)?)
            } else {
                Latched::Read(self.latch_read(id)?)
            };
            let problem = match Node::open(id, g.bytes()) {
                Ok(n) if n.is_root() && n.level() == meta.level => return Ok(g),
                Ok(n) if !n.is_root() => "is not flagged as the root".to_string(),
                Ok(n) => format!("has level {}, the meta page says {}", n.level(), meta.level),
                Err(e) => e.to_string(),
            };
            drop(g);
            let (again, lsn_again) = self.read_meta()?;
            if again.root == meta.root && lsn_again == lsn {
                return Err(corrupt(
                    self.rel,
                    format!("root page {} named by the meta page {problem}", meta.root),
                ));
            }
        }
    }

    /// The root, read-latched.
    pub(super) fn root_read(&self) -> Result<PageReadGuard<'_>> {
        match self.latch_root(RootMode::Read)? {
            Latched::Read(g) => Ok(g),
            Latched::Write(_) => Err(StorageError::Internal(
                "root latched for writing when reading was asked".into(),
            )),
        }
    }

    /// The root, write-latched (the start of every structural change).
    pub(super) fn root_write(&self) -> Result<PageWriteGuard<'_>> {
        match self.latch_root(RootMode::Write)? {
            Latched::Write(g) => Ok(g),
            Latched::Read(_) => Err(StorageError::Internal(
                "root latched for reading when writing was asked".into(),
            )),
        }
    }

    /// Crabs down with read latches to the leaf that `seek` leads to. With `track_low`,
    /// also returns the leaf's lower bound: the separator on the path just left of it
    /// (`None` for the leftmost leaf), which a backward scan continues from.
    pub(super) fn descend_read(
        &self,
        seek: Seek<'_>,
        track_low: bool,
    ) -> Result<(PageReadGuard<'_>, Option<Vec<u8>>)> {
        let mut cur = self.root_read()?;
        let mut low = None;
        loop {
            let node = Node::open(cur.id(), &cur)?;
            if node.is_leaf() {
                return Ok((cur, low));
            }
            let i = node.child_index(seek)?;
            if track_low && i > 0 {
                low = Some(node.key(i)?.to_vec());
            }
            let child = self.latch_read(self.page(node.child(i)?))?;
            node.check_child(i, &Node::open(child.id(), &child)?)?;
            cur = child;
        }
    }

    /// The optimistic writer's descent: read latches down to the leaf's parent, then the
    /// leaf write-latched.
    pub(super) fn descend_leaf_write(&self, key: &[u8]) -> Result<PageWriteGuard<'_>> {
        let mut cur = match self.latch_root(RootMode::WriteIfLeaf)? {
            Latched::Write(g) => return Ok(g),
            Latched::Read(g) => g,
        };
        loop {
            let node = Node::open(cur.id(), &cur)?;
            let i = node.child_index(Seek::Key(key))?;
            let child_id = self.page(node.child(i)?);
            if node.level() == 1 {
                let child = self.latch_write(child_id)?;
                node.check_child(i, &Node::open(child_id, child.page())?)?;
                return Ok(child);
            }
            let child = self.latch_read(child_id)?;
            node.check_child(i, &Node::open(child_id, &child)?)?;
            cur = child;
        }
    }
}
