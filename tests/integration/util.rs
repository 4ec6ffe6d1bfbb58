//! Helpers shared by the integration tests: running the binary, a finished run to inspect,
//! and checks on PNG and SVG files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The `simroute` binary under test.
pub fn simroute() -> Command {
    Command::new(env!("CARGO_BIN_EXE_simroute"))
}

/// A path in the repository.
pub fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A fresh, empty folder under cargo's test scratch space, unique to `name`.
pub fn scratch(name: &str) -> PathBuf {
    // Fixed names (not per process): a rerun replaces the last run's folders instead of
    // piling up new ones.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("simroute-it-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

/// Runs `simroute` with `args`, returning its output.
pub fn run(args: &[&str]) -> Output {
    simroute().args(args).output().expect("simroute runs")
}

/// The output folder of one short petstore run (it has failures, two target groups and an SLO),
/// made once per test binary and shared read-only: tests that change a run copy it first.
pub fn finished_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let out = scratch("finished-run").join("petstore");
        let scenario = repo("scenarios/petstore-http-api.toml");
        let o = run(&[
            "run",
            scenario.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            "simulation.duration_s=90",
            "--set",
            "simulation.warmup_s=15",
            "--set",
            "simulation.replications=2",
        ]);
        // 1 (SLO missed) is a finished run too.
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "run failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        out
    })
}

/// Copies the files of folder `from` into a new scratch folder named `name`.
pub fn copy_run(from: &Path, name: &str) -> PathBuf {
    let to = scratch(name).join("run");
    std::fs::create_dir_all(&to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
    to
}

/// Every file under `dir`, sub-folders included, by path relative to it (`points/x/report.md`).
pub fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Copies folder `from`, sub-folders included, to `to` (which must not exist).
pub fn copy_tree(from: &Path, to: &Path) {
    for (rel, bytes) in read_tree(from) {
        let path = to.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

/// A decoded PNG: width, height, RGB bytes (8-bit RGB or RGBA input, alpha dropped).
pub fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "PNG signature missing"
    );
    let mut reader = png::Decoder::new(bytes).read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("PNG image data");
    buf.truncate(info.buffer_size());
    let rgb = match info.color_type {
        png::ColorType::Rgb => buf,
        png::ColorType::Rgba => buf.chunks(4).flat_map(|p| [p[0], p[1], p[2]]).collect(),
        other => panic!("unexpected PNG colour type {other:?}"),
    };
    (info.width, info.height, rgb)
}

/// Saturated pixels at or below row `from_row`: the charts draw text and grid in greys, so
/// these are data (lines, areas, bars).
pub fn colourful_pixels(rgb: &[u8], width: u32, from_row: u32) -> usize {
    rgb.chunks(3)
        .enumerate()
        .filter(|(i, _)| *i as u32 / width >= from_row)
        .filter(|(_, p)| p.iter().max().unwrap() - p.iter().min().unwrap() > 60)
        .count()
}

/// Checks that `svg` is well formed enough for any XML reader: one root `<svg>`, every
/// element closed in order, no stray `<` or `&` in text.
pub fn assert_well_formed_svg(svg: &str) {
    let body = svg.trim();
    assert!(body.starts_with("<svg"), "does not start with <svg");
    assert!(body.ends_with("</svg>"), "does not end with </svg>");
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = body;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        for (i, _) in text.match_indices('&') {
            let entity = text[i + 1..].split(';').next().unwrap_or("");
            assert!(
                !entity.is_empty()
                    && entity.len() < 10
                    && entity
                        .chars()
                        .all(|c| c == '#' || c.is_ascii_alphanumeric()),
                "unescaped & in {text:?}"
            );
        }
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "< inside a tag: {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            let top = stack
                .pop()
                .unwrap_or_else(|| panic!("</{name}> closes nothing"));
            assert_eq!(top, name.trim(), "</{name}> closes <{top}>");
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or("");
            stack.push(name);
        }
        rest = &rest[close + 1..];
        if stack.is_empty() {
            assert!(rest.trim().is_empty(), "content after the root element");
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
}
