//! One suite of checks run against every [`Vfs`] implementation, so the backends cannot
//! drift apart: whatever the engine relies on from one, it gets from all.

use std::sync::Arc;

use super::fault::{FaultVfs, Faults};
use super::{StdVfs, Vfs, read_exact_at};

fn suite(vfs: &dyn Vfs) {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("a/b");
    vfs.create_dir_all(&sub).unwrap();
    let path = sub.join("f");
    assert!(!vfs.exists(&path));
    assert!(
        vfs.open(&path, false).is_err(),
        "open without create fails on a missing file"
    );
    let f = vfs.open(&path, true).unwrap();
    assert!(f.is_empty().unwrap());

    // Positioned writes, including past the end (the gap reads as zeroes).
    f.write_all_at(b"hello", 0).unwrap();
    f.write_all_at(b"world", 10).unwrap();
    assert_eq!(f.len().unwrap(), 15);
    let mut buf = [0xffu8; 15];
    assert_eq!(read_exact_at(&*f, &mut buf, 0).unwrap(), 15);
    assert_eq!(&buf, b"hello\0\0\0\0\0world");
    // Reads at the end are short, not errors.
    let mut tail = [0u8; 10];
    assert_eq!(read_exact_at(&*f, &mut tail, 10).unwrap(), 5);

    // A batch of page-sized writes lands where it should.
    let pages: Vec<Vec<u8>> = (0..70u8).map(|i| vec![i; 8192]).collect();
    let batch: Vec<(u64, &[u8])> = pages
        .iter()
        .enumerate()
        .map(|(i, p)| ((i as u64) * 8192, &p[..]))
        .collect();
    f.write_batch(&batch).unwrap();
    f.sync_data().unwrap();
    let mut page = vec![0u8; 8192];
    for i in [0u64, 33, 69] {
        read_exact_at(&*f, &mut page, i * 8192).unwrap();
        assert!(page.iter().all(|&b| b == i as u8));
    }

    f.set_len(8192).unwrap();
    assert_eq!(f.len().unwrap(), 8192);
    let g = vfs.open(&path, false).unwrap();
    assert_eq!(g.len().unwrap(), 8192, "a second handle sees the same file");

    let moved = sub.join("g");
    vfs.rename(&path, &moved).unwrap();
    vfs.sync_dir(&sub).unwrap();
    assert!(!vfs.exists(&path) && vfs.exists(&moved));
    assert_eq!(
        vfs.list_dir(&sub).unwrap(),
        vec![std::path::PathBuf::from("g")]
    );
    vfs.remove_file(&moved).unwrap();
    assert!(vfs.list_dir(&sub).unwrap().is_empty());
}

#[test]
fn std_backend_conforms() {
    suite(&StdVfs);
}

#[test]
fn fault_wrapper_without_faults_conforms() {
    suite(&FaultVfs::new(Arc::new(StdVfs), Faults::new()));
}

#[cfg(all(feature = "io_uring", target_os = "linux"))]
#[test]
fn io_uring_backend_conforms() {
    suite(&super::uring::UringVfs::new().expect("io_uring available"));
}
