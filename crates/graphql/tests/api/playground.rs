//! The playground page and every asset it references, served by us.

use crate::common::{request, start};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn playground_and_its_assets() {
    let s = start().await;
    let r = request(s.addr, "GET", "/graphql", None, None).await;
    assert_eq!(r.status, 200);
    assert!(r.headers["content-type"].starts_with("text/html"));
    let html = String::from_utf8(r.body).unwrap();
    assert!(
        !html.contains("http://") && !html.contains("https://") && !html.contains("//cdn"),
        "{html}"
    );
    let refs: Vec<&str> = html
        .split(['"', '\''])
        .filter(|p| p.starts_with("/graphql/assets/"))
        .collect();
    assert_eq!(refs.len(), 5, "{refs:?}");
    for path in refs {
        let r = request(s.addr, "GET", path, None, None).await;
        assert_eq!(r.status, 200, "{path}");
        let ct = &r.headers["content-type"];
        if path.ends_with(".js") {
            assert!(ct.starts_with("text/javascript"), "{path}: {ct}");
        } else {
            assert!(ct.starts_with("text/css"), "{path}: {ct}");
        }
        assert!(r.headers["cache-control"].contains("max-age"), "{path}");
        assert!(r.body.len() > 500, "{path}");
    }
    // The page's script builds its fetcher from GraphiQL's UMD build, for /graphql and /graphql/ws.
    let js = request(s.addr, "GET", "/graphql/assets/playground.js", None, None).await;
    let js = String::from_utf8(js.body).unwrap();
    assert!(
        js.contains("GraphiQL.createFetcher")
            && js.contains("/graphql/ws")
            && js.contains("Bearer ")
    );
    let r = request(s.addr, "GET", "/graphql/assets/nope.js", None, None).await;
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["code"], "ERR-API-001");
}

/// Loads the playground in headless Chromium (Debian's `chromium`): the page's scripts
/// come from our server, GraphiQL renders, and the query in the editor runs with the
/// token and shows its result.
/// Ignored by default (needs Chromium): `cargo test -p rustydb-graphql --test api --
/// --ignored`. The screenshot is left in `$CARGO_TARGET_TMPDIR/graphiql.png`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium"]
async fn playground_renders_in_headless_chromium() {
    let s = start().await;
    let url = format!("http://{}/graphql#token={}&run", s.addr, s.token);
    let profile = tempfile::tempdir().unwrap();
    let shot = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("graphiql.png");
    let run = |extra: Vec<String>| {
        let url = url.clone();
        let profile = profile.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let mut child = std::process::Command::new("chromium")
                .args([
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--virtual-time-budget=15000",
                    "--window-size=1280,800",
                ])
                .arg(format!("--user-data-dir={}", profile.display()))
                .args(extra)
                .arg(url)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("chromium");
            let mut out = String::new();
            if let Some(mut o) = child.stdout.take() {
                use std::io::Read;
                let _ = o.read_to_string(&mut out);
            }
            for _ in 0..600 {
                if child.try_wait().unwrap().is_some() {
                    return out;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            let _ = child.kill();
            panic!("chromium did not finish in time");
        })
    };
    let dom = run(vec!["--dump-dom".into()]).await.unwrap();
    assert!(
        dom.contains("graphiql-container"),
        "GraphiQL did not render: {dom}"
    );
    // The query ran and its result is shown (quoted strings appear only in the result).
    let version = format!("\"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(
        dom.contains("\"data\"") && dom.contains(&version),
        "no result: {dom}"
    );
    run(vec![format!("--screenshot={}", shot.display())])
        .await
        .unwrap();
    assert!(std::fs::metadata(&shot).unwrap().len() > 1000);
}
