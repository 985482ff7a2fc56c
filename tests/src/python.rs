//! The Python reference implementation, `varlink` 31.0.0 from PyPI, in a
//! venv under the workspace's `target/pyvenv` (shared with the runtime's
//! Python tests, which install it the same way).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

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
        let target = crate::workspace_root().join("target");
        let venv = target.join("pyvenv");
        let python = venv.join("bin/python");
        if has_varlink(&python) {
            return python;
        }
        // A venv records its own absolute path, so it is built in place.
        // Cargo runs test binaries one after another, so no other test
        // binary installs at the same time.
        std::fs::create_dir_all(&target).expect("create the target directory");
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

/// `python -m MODULE` with the venv's interpreter.
pub fn module(module: &str) -> Command {
    let mut command = Command::new(python());
    command.arg("-m").arg(module);
    // Unbuffered, so that output is complete when a process is killed.
    command.env("PYTHONUNBUFFERED", "1");
    command
}
