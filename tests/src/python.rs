//! The Python reference implementation, `varlink` 31.0.0 from PyPI, in a
//! venv under the workspace's `target/pyvenv`. The runtime's Python tests
//! include this file too (`#[path]`), so it needs nothing but std.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The version every interoperability test runs against.
pub const VERSION: &str = "31.0.0";

fn has_varlink(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            &format!(
                "import varlink, importlib.metadata as m; assert m.version('varlink') == '{VERSION}'"
            ),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The interpreter of a venv with `varlink==31.0.0`, created and installed
/// when missing (this needs `python3` with the `venv` module, and PyPI
/// once). Fails the test with what to install when that is impossible.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    // Tests of one binary run on threads: one of them installs.
    static INSTALL: Mutex<()> = Mutex::new(());
    PYTHON.get_or_init(|| {
        let _guard = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
        // Both crates that include this file are one level below the root.
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target");
        let venv = target.join("pyvenv");
        let python = venv.join("bin/python");
        if has_varlink(&python) {
            return python;
        }
        // A venv records its own absolute path, so it is built in place.
        // `cargo test` runs one test binary at a time, but cargo-nextest
        // runs each test as a process of its own: one of them builds the
        // venv while it holds a lock directory, the others wait.
        std::fs::create_dir_all(&target).expect("create the target directory");
        let _lock = VenvLock::take(&target.join("pyvenv.lock"));
        if has_varlink(&python) {
            return python;
        }
        if !python.exists() {
            let _ = std::fs::remove_dir_all(&venv);
            let status = Command::new("python3")
                .arg("-m")
                .arg("venv")
                .arg(&venv)
                .status();
            assert!(
                status.as_ref().is_ok_and(|s| s.success()),
                "cannot create a Python venv with `python3 -m venv {}` ({status:?}); \
                 install python3 and python3-venv",
                venv.display()
            );
        }
        let status = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .arg(format!("varlink=={VERSION}"))
            .status();
        assert!(
            status.as_ref().is_ok_and(|s| s.success()),
            "cannot install the Python package varlink=={VERSION} into {} ({status:?}); \
             the interoperability tests need PyPI once",
            venv.display()
        );
        assert!(
            has_varlink(&python),
            "the Python venv at {} does not import varlink {VERSION}",
            venv.display()
        );
        python
    })
}

/// A directory whose creation is the right to build the venv, removed on
/// drop. One left behind by a killed process is taken over after a while.
struct VenvLock(PathBuf);

impl VenvLock {
    fn take(path: &Path) -> Self {
        let started = Instant::now();
        while std::fs::create_dir(path).is_err() {
            if started.elapsed() > Duration::from_secs(600) {
                // Stale: building the venv never takes this long.
                let _ = std::fs::remove_dir(path);
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        VenvLock(path.to_owned())
    }
}

impl Drop for VenvLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// `python -m MODULE` with the venv's interpreter.
pub fn module(module: &str) -> Command {
    let mut command = Command::new(python());
    command.arg("-m").arg(module);
    // Unbuffered, so that output is complete when a process is killed.
    command.env("PYTHONUNBUFFERED", "1");
    command
}
