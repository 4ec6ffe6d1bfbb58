//! Parsing a Terraform module: its `.tf` files' variables, locals, resources, data sources,
//! outputs and `module` calls (local modules loaded recursively), and finding where a resource
//! is declared.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hcl::eval::{Context, Evaluate};

use super::super::ImportError;
use super::{line_of, parse_hcl};

/// A `module` block: name, source, arguments, and the module itself when it is local.
pub(super) type ModuleCall = (
    String,
    String,
    Vec<(String, hcl::Expression)>,
    Option<Box<Module>>,
);

/// One parsed module: its files and blocks.
pub(super) struct Module {
    pub(super) dir: PathBuf,
    /// `""` for the root, `module.NAME.` for a child.
    pub(super) prefix: String,
    pub(super) files: Vec<(PathBuf, String)>,
    pub(super) variables: BTreeMap<String, Option<hcl::Expression>>,
    pub(super) locals: Vec<(String, hcl::Expression)>,
    /// `(type, name, body, file index)`.
    pub(super) resources: Vec<(String, String, hcl::Body, usize)>,
    pub(super) data: Vec<(String, String)>,
    pub(super) outputs: Vec<(String, hcl::Expression)>,
    /// `(name, source, arguments, child)`.
    pub(super) modules: Vec<ModuleCall>,
}

pub(super) fn load_module(dir: &Path, prefix: &str) -> Result<Module, ImportError> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| ImportError::new(dir, None, None, format!("cannot read the directory: {e}")))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "tf"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(ImportError::new(
            dir,
            None,
            None,
            "no .tf files in the directory".into(),
        ));
    }
    let mut m = Module {
        dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
        files: Vec::new(),
        variables: BTreeMap::new(),
        locals: Vec::new(),
        resources: Vec::new(),
        data: Vec::new(),
        outputs: Vec::new(),
        modules: Vec::new(),
    };
    for p in paths {
        let text = std::fs::read_to_string(&p)
            .map_err(|e| ImportError::new(&p, None, None, format!("cannot read: {e}")))?;
        let body = parse_hcl(&p, &text)?;
        let fi = m.files.len();
        m.files.push((p.clone(), text.clone()));
        for s in body.into_inner() {
            let hcl::Structure::Block(b) = s else {
                continue;
            };
            let labels: Vec<String> = b.labels.iter().map(|l| l.as_str().to_string()).collect();
            match (b.identifier.as_str(), labels.as_slice()) {
                ("variable", [name]) => {
                    let default = b
                        .body
                        .attributes()
                        .find(|a| a.key.as_str() == "default")
                        .map(|a| a.expr.clone());
                    m.variables.insert(name.clone(), default);
                }
                ("locals", []) => {
                    for a in b.body.attributes() {
                        m.locals.push((a.key.as_str().to_string(), a.expr.clone()));
                    }
                }
                ("resource", [ty, name]) => {
                    m.resources
                        .push((ty.clone(), name.clone(), b.body.clone(), fi))
                }
                ("data", [ty, name]) => m.data.push((ty.clone(), name.clone())),
                ("output", [name]) => {
                    if let Some(a) = b.body.attributes().find(|a| a.key.as_str() == "value") {
                        m.outputs.push((name.clone(), a.expr.clone()));
                    }
                }
                ("module", [name]) => {
                    let mut source = String::new();
                    let mut args = Vec::new();
                    for a in b.body.attributes() {
                        match a.key.as_str() {
                            "source" => {
                                source = a
                                    .expr
                                    .evaluate(&Context::new())
                                    .ok()
                                    .and_then(|v| v.as_str().map(String::from))
                                    .unwrap_or_default()
                            }
                            "version" | "providers" | "count" | "for_each" | "depends_on" => {}
                            k => args.push((k.to_string(), a.expr.clone())),
                        }
                    }
                    let local = source.starts_with("./") || source.starts_with("../");
                    let child = if local {
                        let child_dir = dir.join(&source);
                        Some(Box::new(load_module(
                            &child_dir,
                            &format!("{prefix}module.{name}."),
                        )?))
                    } else {
                        None
                    };
                    m.modules.push((name.clone(), source, args, child));
                }
                _ => {}
            }
        }
    }
    Ok(m)
}

/// The outputs of remote module `name` that module `m`'s files refer to.
pub(super) fn remote_outputs(m: &Module, name: &str) -> Vec<String> {
    let needle = format!("module.{name}.");
    let mut outs = Vec::new();
    for (_, text) in &m.files {
        let mut rest = text.as_str();
        while let Some(i) = rest.find(&needle) {
            let after = &rest[i + needle.len()..];
            let o: String = after
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                .collect();
            if !o.is_empty() && !outs.contains(&o) {
                outs.push(o);
            }
            rest = after;
        }
    }
    outs
}

/// Where resource `addr` is declared.
pub(super) fn find_resource(root: &Module, addr: &str) -> (PathBuf, Option<usize>) {
    fn walk(m: &Module, addr: &str) -> Option<(PathBuf, Option<usize>)> {
        for (ty, name, _, fi) in &m.resources {
            if format!("{}{ty}.{name}", m.prefix) == addr {
                let (file, text) = &m.files[*fi];
                return Some((
                    file.clone(),
                    line_of(text, &format!("resource \"{ty}\" \"{name}\"")),
                ));
            }
        }
        m.modules
            .iter()
            .filter_map(|(_, _, _, c)| c.as_deref())
            .find_map(|c| walk(c, addr))
    }
    walk(root, addr).unwrap_or_else(|| (root.dir.clone(), None))
}
