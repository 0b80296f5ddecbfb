//! Malformed, truncated and random frames: each gets an error or a closed connection,
//! never a panic, and the server keeps serving.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::*;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

fn startup_packet() -> Vec<u8> {
    let mut body = vec![0, 3, 0, 0];
    body.extend_from_slice(b"user\0rustydb\0database\0rustydb\0\0");
    let mut p = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    p.extend(body);
    p
}

/// A frame that is plausible at first sight: a real type byte, a random or wrong length,
/// a random or truncated body.
fn frame(rng: &mut Rng) -> Vec<u8> {
    const TYPES: &[u8] = b"QPBDECSHXdcfpZ\x00\xff";
    let t = TYPES[rng.below(TYPES.len() as u64) as usize];
    let n = rng.below(40) as usize;
    let body = rng.bytes(n);
    let len: i32 = match rng.below(4) {
        0 => body.len() as i32 + 4,
        1 => rng.next() as i32,
        2 => body.len() as i32 + 4 + rng.below(8) as i32,
        _ => rng.below(4) as i32,
    };
    let mut f = vec![t];
    f.extend_from_slice(&len.to_be_bytes());
    f.extend(body);
    f
}

async fn drain(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let end = Instant::now() + Duration::from_millis(300);
    while let Ok(Ok(n)) = tokio::time::timeout_at(end.into(), s.read(&mut buf)).await {
        if n == 0 {
            break;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_never_takes_the_server_down() {
    let ts = start(trust()).await;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut connections = 0;
    let mut frames = 0;
    while connections < 400 && frames < 4000 && Instant::now() < deadline {
        connections += 1;
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", ts.port)).await else {
            continue;
        };
        match rng.below(3) {
            // Garbage instead of a startup packet (some of it a valid length).
            0 => {
                let n = rng.below(64) as usize + 1;
                let mut g = rng.bytes(n);
                if rng.below(2) == 0 && n >= 8 {
                    g[..4].copy_from_slice(&(n as u32).to_be_bytes());
                }
                let _ = s.write_all(&g).await;
            }
            // A valid session, then a burst of random frames.
            _ => {
                let _ = s.write_all(&startup_packet()).await;
                for _ in 0..rng.below(10) + 1 {
                    frames += 1;
                    let f = frame(&mut rng);
                    let cut = if rng.below(4) == 0 {
                        rng.below(f.len() as u64) as usize
                    } else {
                        f.len()
                    };
                    if s.write_all(&f[..cut]).await.is_err() {
                        break;
                    }
                }
            }
        }
        if rng.below(8) == 0 {
            drain(&mut s).await;
        }
        drop(s);
    }
    assert!(connections > 50, "loop ran {connections} times");
    // The server still serves a normal client.
    let c = try_connect(ts.port, "rustydb", "")
        .await
        .expect("server still up");
    assert_eq!(
        c.query_one("SELECT 1", &[]).await.unwrap().get::<_, i32>(0),
        1
    );
    // Every garbage session went away (bounded wait).
    for _ in 0..200 {
        if ts.server.stats().active == 1 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sessions left behind: {:?}", ts.server.stats());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_frame_gets_08p01_and_close() {
    let ts = start(trust()).await;
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    // Bind claiming more format codes than it holds.
    r.send(b'B', &[0, 0, 0, 5, 0, 0]).await;
    let m = r.until(|t| t == b'E').await;
    let e = &m.last().unwrap().1;
    assert_eq!(field(e, b'C').as_deref(), Some("08P01"));
    assert_eq!(field(e, b'S').as_deref(), Some("FATAL"));
    assert!(r.recv().await.is_none());
    // An unknown message type.
    let mut r = Raw::connect(ts.port).await;
    r.startup("rustydb").await;
    r.send(b'!', b"").await;
    let m = r.until(|t| t == b'E').await;
    assert_eq!(field(&m.last().unwrap().1, b'C').as_deref(), Some("08P01"));
}
