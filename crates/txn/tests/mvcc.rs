//! MVCC basics at the transaction API: visibility, snapshots, write conflicts, savepoints,
//! restart, termination and vacuum.

mod common;

use std::collections::HashSet;

use common::*;
use rustydb_storage::HeapFile;
use rustydb_txn::lock::Interrupt;
use rustydb_txn::{IsolationLevel, TxnError, TxnManager, WriteResult};

#[test]
fn uncommitted_rows_are_invisible_until_commit() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut t1 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let mut t2 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    stmt(&mut t1, |t| t.insert(&heap, &encode(3, 30)).unwrap());
    assert_eq!(
        read_all(&mut t1, &heap).len(),
        3,
        "a transaction sees its own insert"
    );
    assert_eq!(read_all(&mut t2, &heap).len(), 2);
    t1.commit().unwrap();
    assert_eq!(
        read_all(&mut t2, &heap).len(),
        3,
        "read committed sees it on the next statement"
    );
}

#[test]
fn repeatable_read_keeps_its_snapshot() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut rr = db.mgr.begin(IsolationLevel::RepeatableRead).unwrap();
    assert_eq!(read_all(&mut rr, &heap), vec![(1, 10), (2, 20)]);
    let mut w = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(update_where_id(&mut w, &heap, 1, |v| v + 1).unwrap(), 1);
    w.commit().unwrap();
    assert_eq!(read_all(&mut rr, &heap), vec![(1, 10), (2, 20)]);
    let err = update_where_id(&mut rr, &heap, 1, |v| v + 100).unwrap_err();
    assert!(matches!(err, TxnError::Serialization(_)), "{err}");
    assert!(err.is_retryable());
    let db_err: rustydb_common::DbError = err.into();
    assert_eq!(
        (db_err.code().id(), db_err.sqlstate()),
        ("ERR-TXN-003", "40001")
    );
    assert_eq!(
        db_err.message(),
        "could not serialize access due to concurrent update"
    );
}

#[test]
fn own_changes_are_seen_from_the_next_command() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    t.begin_statement(None).unwrap();
    let tid = t.insert(&heap, &encode(9, 90)).unwrap();
    assert_eq!(
        t.fetch(&heap, tid).unwrap(),
        None,
        "not within the same command"
    );
    t.next_command();
    assert!(t.fetch(&heap, tid).unwrap().is_some());
    t.end_statement();
    assert_eq!(update_where_id(&mut t, &heap, 9, |v| v * 2).unwrap(), 1);
    assert!(read_all(&mut t, &heap).contains(&(9, 180)));
    t.rollback();
    let mut r = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(
        read_all(&mut r, &heap),
        vec![(1, 10), (2, 20)],
        "rolled back"
    );
}

#[test]
fn savepoints_undo_changes_and_release_locks() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(update_where_id(&mut t, &heap, 1, |_| 11).unwrap(), 1);
    t.savepoint("a").unwrap();
    assert_eq!(update_where_id(&mut t, &heap, 2, |_| 21).unwrap(), 1);
    stmt(&mut t, |t| t.insert(&heap, &encode(3, 30)).unwrap());
    t.savepoint("b").unwrap();
    assert_eq!(update_where_id(&mut t, &heap, 1, |_| 12).unwrap(), 1);
    assert_eq!(read_all(&mut t, &heap), vec![(1, 12), (2, 21), (3, 30)]);
    t.rollback_to("b").unwrap();
    assert_eq!(read_all(&mut t, &heap), vec![(1, 11), (2, 21), (3, 30)]);
    t.rollback_to("a").unwrap();
    assert_eq!(read_all(&mut t, &heap), vec![(1, 11), (2, 20)]);
    assert!(
        matches!(t.rollback_to("b"), Err(TxnError::NoSuchSavepoint(_))),
        "b went with a's rollback"
    );
    // A failed statement leaves the transaction unusable until ROLLBACK TO.
    t.mark_failed();
    assert!(matches!(t.begin_statement(None), Err(TxnError::Aborted)));
    t.rollback_to("a").unwrap();
    t.release_savepoint("a").unwrap();
    assert_eq!(update_where_id(&mut t, &heap, 2, |_| 22).unwrap(), 1);
    t.commit().unwrap();
    let mut r = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(read_all(&mut r, &heap), vec![(1, 11), (2, 22)]);
}

#[test]
fn row_lock_taken_after_a_savepoint_is_released_by_rollback_to() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut t1 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    t1.savepoint("s").unwrap();
    let (tid, _) = stmt(&mut t1, |t| find(t, &heap, 1).unwrap());
    stmt(&mut t1, |t| {
        t.lock_row(&heap, tid, rustydb_txn::RowLockMode::Update)
            .unwrap()
    });
    assert_eq!(
        db.mgr.locks().held_by(t1.xid()).len(),
        2,
        "own xid + the row"
    );
    t1.rollback_to("s").unwrap();
    assert_eq!(db.mgr.locks().held_by(t1.xid()).len(), 1);
    let mut t2 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(
        update_where_id(&mut t2, &heap, 1, |v| v + 1).unwrap(),
        1,
        "does not block"
    );
    t2.commit().unwrap();
    t1.commit().unwrap();
}

#[test]
fn committed_work_survives_a_crash_and_uncommitted_work_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let faults = rustydb_storage::io::fault::Faults::new();
    let vfs: std::sync::Arc<dyn rustydb_storage::io::Vfs> =
        std::sync::Arc::new(rustydb_storage::io::fault::FaultVfs::new(
            rustydb_storage::io::backend_from_env(),
            faults.clone(),
        ));
    let mut o = options(dir.path());
    o.vfs = Some(vfs.clone());
    let rel = {
        let storage = rustydb_storage::Storage::open(o.clone()).unwrap();
        let mgr = TxnManager::open(&storage, config()).unwrap();
        let heap = HeapFile::create(&storage).unwrap();
        let mut t = mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        stmt(&mut t, |t| t.insert(&heap, &encode(1, 100)).unwrap());
        t.commit().unwrap();
        let mut open = mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        stmt(&mut open, |t| t.insert(&heap, &encode(2, 200)).unwrap());
        assert_eq!(update_where_id(&mut open, &heap, 1, |_| 999).unwrap(), 1);
        // Its records reach the disk, its commit never does.
        storage.wal().flush(storage.wal().insert_lsn()).unwrap();
        faults.set_dead(true);
        drop(open); // its rollback cannot reach the dead disk either
        let rel = heap.rel();
        drop(heap);
        mgr.shutdown();
        drop(mgr);
        drop(storage);
        rel
    };
    faults.clear();
    let storage = rustydb_storage::Storage::open(o).unwrap();
    let mgr = TxnManager::open(&storage, config()).unwrap();
    let heap = HeapFile::open(&storage, rel).unwrap();
    let mut r = mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(read_all(&mut r, &heap), vec![(1, 100)]);
    assert!(
        r.xid() > 4,
        "transaction ids are not reused after a crash: {}",
        r.xid()
    );
}

#[test]
fn an_operator_can_abort_an_idle_transaction_by_id() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut victim = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(update_where_id(&mut victim, &heap, 1, |_| 0).unwrap(), 1);
    let xid = victim.xid();
    assert!(db.mgr.terminate(xid, Interrupt::Terminate));
    assert!(!db.mgr.is_running(xid), "rolled back at once: it was idle");
    let err = victim.begin_statement(None).unwrap_err();
    let e: rustydb_common::DbError = err.into();
    assert_eq!((e.code().id(), e.sqlstate()), ("ERR-TXN-006", "57P01"));
    assert!(e.message().contains(&xid.to_string()), "{e}");
    // Its row lock is gone and its change never happened.
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(read_all(&mut t, &heap), vec![(1, 10), (2, 20)]);
    assert_eq!(update_where_id(&mut t, &heap, 1, |v| v + 1).unwrap(), 1);
    t.commit().unwrap();
    assert!(victim.commit().is_err());
    assert!(!db.mgr.terminate(xid, Interrupt::Terminate), "already gone");
}

#[test]
fn vacuum_reclaims_dead_versions_and_space_is_reused() {
    let db = db();
    let heap = HeapFile::create(&db.storage).unwrap();
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    stmt(&mut t, |t| {
        for i in 0..200 {
            t.insert(&heap, &encode(i, 0)).unwrap();
        }
    });
    t.commit().unwrap();
    let mut sizes = Vec::new();
    for round in 0..20 {
        let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
        for i in 0..200 {
            assert_eq!(update_where_id(&mut t, &heap, i, |v| v + 1).unwrap(), 1);
        }
        t.commit().unwrap();
        let report = db.mgr.vacuum(&heap, &|_: &HashSet<_>| Ok(())).unwrap();
        assert_eq!(report.removed, 200, "round {round}: {report:?}");
        sizes.push(heap.nblocks().unwrap());
    }
    assert!(sizes[19] <= sizes[2], "the file keeps growing: {sizes:?}");
    let mut r = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let rows = read_all(&mut r, &heap);
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|(_, v)| *v == 20));
}

#[test]
fn an_old_snapshot_holds_back_vacuum() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut old = db.mgr.begin(IsolationLevel::RepeatableRead).unwrap();
    assert_eq!(read_all(&mut old, &heap).len(), 2);
    let mut t = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    assert_eq!(update_where_id(&mut t, &heap, 1, |_| 0).unwrap(), 1);
    t.commit().unwrap();
    let report = db.mgr.vacuum(&heap, &|_: &HashSet<_>| Ok(())).unwrap();
    assert_eq!((report.removed, report.recently_dead), (0, 1));
    assert!(report.horizon <= old.xid());
    assert_eq!(read_all(&mut old, &heap), vec![(1, 10), (2, 20)]);
    old.commit().unwrap();
    let report = db.mgr.vacuum(&heap, &|_: &HashSet<_>| Ok(())).unwrap();
    assert_eq!(report.removed, 1);
}

#[test]
fn rows_deleted_then_concurrent_update_in_read_committed_skips_them() {
    let db = db();
    let heap = hermitage_table(&db);
    let mut t1 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let mut t2 = db.mgr.begin(IsolationLevel::ReadCommitted).unwrap();
    let (tid, _) = stmt(&mut t1, |t| find(t, &heap, 1).unwrap());
    assert_eq!(
        stmt(&mut t1, |t| t.delete(&heap, tid).unwrap()),
        WriteResult::Done(None)
    );
    std::thread::scope(|s| {
        let h = s.spawn(|| update_where_id(&mut t2, &heap, 1, |v| v + 1).unwrap());
        while db.mgr.locks().waits().is_empty() {
            std::thread::yield_now();
        }
        t1.commit().unwrap();
        assert_eq!(
            h.join().unwrap(),
            0,
            "the row was deleted: nothing to update"
        );
    });
    t2.commit().unwrap();
}
