//! The database's files (issue 9, point 8): under umask 000 the folder
//! refeed creates is 0700 and the database and its `-wal` and `-shm` files
//! are 0600. The binary runs under `sh -c 'umask 000; exec refeed …'`
//! (the umask is process-wide, so it is not changed in the test process),
//! refreshing a source whose host never answers, which keeps it running
//! (and the WAL files present) while their modes are read.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{BIN, SourceToml, TestEnv, signal};

/// The host accepts and then says nothing: refeed's first-byte timeout
/// (5 s) ends the refresh, long after the files are read.
const SETTINGS: &str = "[fetch]\ntimeout = \"6s\"\nfirst_byte_timeout = \"5s\"\n\
                        connect_timeout = \"2s\"\n";

fn mode(path: &Path) -> Option<u32> {
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_database_folder_and_files_are_private_whatever_the_umask() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/news/", listener.local_addr().expect("address"));
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let env = TestEnv::with_settings(&[SourceToml::listing("silent", &url)], SETTINGS);
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 000; exec \"$0\" once --config \"$1\"")
        .arg(BIN)
        .arg(env.dir().join("refeed.toml"))
        .current_dir(env.dir())
        .env_remove("REFEED_CONFIG")
        .env_remove("REFEED_LOG")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sh");

    let data = env.dir().join("data");
    let files = ["refeed.db", "refeed.db-wal", "refeed.db-shm"].map(|f| data.join(f));
    let deadline = Instant::now() + Duration::from_secs(4);
    while !files.iter().all(|f| f.exists()) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let modes: Vec<Option<u32>> = files.iter().map(|f| mode(f)).collect();
    let folder = mode(&data);
    let still_running = child.try_wait().expect("wait").is_none();
    if still_running {
        signal(child.id(), "KILL");
    }
    let _ = child.wait();
    silent.abort();

    assert!(still_running, "refeed ended before its files were read");
    assert_eq!(folder, Some(0o700), "folder mode");
    assert_eq!(modes, [Some(0o600); 3], "modes of {files:?}");
}
