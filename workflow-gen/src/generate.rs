//! What the generator writes under `statemachines/`, and the check that it is up to date.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::machines::MachineDef;
use crate::{diagram, seam};

/// One generated file, by its path relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    pub path: PathBuf,
    pub contents: String,
}

/// The ASL, the input JSON Schema and the diagram of every machine, and the schema of every message.
pub fn render(machines: &[MachineDef]) -> Result<Vec<GeneratedFile>> {
    let mut files = Vec::new();
    for def in machines {
        let machine = (def.definition)().map_err(|errors| {
            let list: Vec<String> = errors.iter().map(|e| format!("  - {e}")).collect();
            anyhow::anyhow!("machine '{}' is invalid:\n{}", def.name, list.join("\n"))
        })?;
        let mut input_schema = (def.input_schema)();
        let problems = seam::check(def.name, &machine, input_schema.clone(), machines);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            anyhow::bail!("machine '{}' breaks the contract with its activities:\n{}", def.name, list.join("\n"));
        }
        input_schema.insert("title".into(), format!("Input of the {} machine", def.name).into());
        let mut schema = serde_json::to_string_pretty(&input_schema)?;
        schema.push('\n');
        files.push(GeneratedFile { path: format!("{}.asl.json", def.name).into(), contents: machine.to_json() });
        files.push(GeneratedFile { path: format!("schemas/{}.input.schema.json", def.name).into(), contents: schema });
        files.push(GeneratedFile {
            path: format!("diagrams/{}.md", def.name).into(),
            contents: diagram::markdown(def.name, &machine),
        });
    }
    for (name, schema) in crate::machines::messages() {
        let mut text = serde_json::to_string_pretty(&schema)?;
        text.push('\n');
        files.push(GeneratedFile { path: format!("schemas/{name}.message.schema.json").into(), contents: text });
    }
    Ok(files)
}

/// Writes `files` under `dir` and removes generated files no machine produces any more.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> Result<()> {
    for stale in existing(dir)?.difference(&paths(files)) {
        fs::remove_file(dir.join(stale)).with_context(|| format!("removing {}", dir.join(stale).display()))?;
    }
    for file in files {
        let path = dir.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        if fs::read_to_string(&path).ok().as_deref() != Some(&file.contents) {
            fs::write(&path, &file.contents).with_context(|| format!("writing {}", path.display()))?;
        }
    }
    Ok(())
}

/// The files under `dir` that differ from `files`, are missing, or should not be there.
pub fn stale(dir: &Path, files: &[GeneratedFile]) -> Result<Vec<PathBuf>> {
    let mut stale: BTreeSet<PathBuf> = existing(dir)?.difference(&paths(files)).cloned().collect();
    for file in files {
        if fs::read_to_string(dir.join(&file.path)).ok().as_deref() != Some(&file.contents) {
            stale.insert(file.path.clone());
        }
    }
    Ok(stale.into_iter().collect())
}

/// Fails naming every stale file.
pub fn check(dir: &Path, files: &[GeneratedFile]) -> Result<()> {
    let stale = stale(dir, files)?;
    if !stale.is_empty() {
        let list: Vec<String> = stale.iter().map(|p| format!("  {}", dir.join(p).display())).collect();
        bail!("generated files are stale; run `./just gen` and commit the result:\n{}", list.join("\n"));
    }
    Ok(())
}

fn paths(files: &[GeneratedFile]) -> BTreeSet<PathBuf> {
    files.iter().map(|f| f.path.clone()).collect()
}

/// Files the generator owns under `dir`: everything but a README.
fn existing(dir: &Path) -> Result<BTreeSet<PathBuf>> {
    let mut found = BTreeSet::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(at) = todo.pop() {
        let Ok(entries) = fs::read_dir(&at) else { continue };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
            } else if path.file_name().is_some_and(|n| n != "README.md") {
                found.insert(path.strip_prefix(dir)?.to_path_buf());
            }
        }
    }
    Ok(found)
}
