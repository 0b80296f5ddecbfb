//! COPY FROM STDIN and COPY TO STDOUT through any reader and writer.

mod common;

use std::io::Read;

#[test]
fn copy_in_then_out_round_trips() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE p (id int, name text, note text)")
        .unwrap();
    let text = "1\tAda\t\\N\n2\tGrace\twith\\ttab\n";
    assert_eq!(
        conn.copy_in("COPY p FROM STDIN", text.as_bytes()).unwrap(),
        2
    );
    let csv = "id,name\n3,\"Hopper, G.\"\n";
    let n = conn
        .copy_in(
            "COPY p (id, name) FROM STDIN WITH (FORMAT csv, HEADER true)",
            csv.as_bytes(),
        )
        .unwrap();
    assert_eq!(n, 1);

    let row = conn
        .query_row("SELECT note FROM p WHERE id = 1", &[])
        .unwrap();
    assert_eq!(row.get::<Option<String>>(0).unwrap(), None);

    let mut out = Vec::new();
    assert_eq!(
        conn.copy_out("COPY (SELECT * FROM p ORDER BY id) TO STDOUT", &mut out)
            .unwrap(),
        3
    );
    assert_eq!(
        String::from_utf8(out).unwrap(),
        format!("{text}3\tHopper, G.\t\\N\n")
    );

    let mut out = Vec::new();
    conn.copy_out("COPY p (id, name) TO STDOUT WITH (FORMAT csv)", &mut out)
        .unwrap();
    assert!(
        String::from_utf8(out)
            .unwrap()
            .contains("3,\"Hopper, G.\"\n")
    );
}

/// A reader that hands out its data a few bytes at a time, as a socket might.
struct Trickle<'a>(&'a [u8]);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.len().min(buf.len()).min(3);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn copy_in_reads_a_stream_in_pieces() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE n (x int)").unwrap();
    let data: String = (0..1500).map(|i| format!("{i}\n")).collect();
    assert_eq!(
        conn.copy_in("COPY n FROM STDIN", Trickle(data.as_bytes()))
            .unwrap(),
        1500
    );
    let sum: i64 = conn
        .query_row("SELECT sum(x) FROM n", &[])
        .unwrap()
        .get(0)
        .unwrap();
    assert_eq!(sum, 1499 * 1500 / 2);
}

#[test]
fn bad_copy_data_loads_nothing_and_copy_joins_transactions() {
    let (_dir, db) = common::open();
    let mut conn = db.connect();
    conn.execute_batch("CREATE TABLE n (x int)").unwrap();
    let err = conn
        .copy_in("COPY n FROM STDIN", "1\n2\nthree\n".as_bytes())
        .unwrap_err();
    assert_eq!(err.sqlstate(), "22P02", "{err}");
    assert!(conn.query("SELECT * FROM n", &[]).unwrap().is_empty());

    {
        let mut tx = conn.transaction().unwrap();
        tx.copy_in("COPY n FROM STDIN", "1\n2\n".as_bytes())
            .unwrap();
        // Dropped: the loaded rows go too.
    }
    assert!(conn.query("SELECT * FROM n", &[]).unwrap().is_empty());
    assert_eq!(
        conn.copy_in("COPY n FROM STDIN", "x".as_bytes())
            .unwrap_err()
            .sqlstate(),
        "22P02"
    );
    let err = conn.copy_in("SELECT 1", "".as_bytes()).unwrap_err();
    assert_eq!(err.sqlstate(), "42601");
}
