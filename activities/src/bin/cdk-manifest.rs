//! Writes `cdk/generated/manifest.json` (see `activities::manifest`); `./just gen` runs it.

use std::path::Path;

use activities::manifest;

fn main() {
    let path = Path::new(manifest::PATH);
    let text = manifest::render();
    if std::fs::read_to_string(path).ok().as_deref() != Some(text.as_str()) {
        std::fs::create_dir_all(path.parent().expect("the manifest has a folder")).expect("create cdk/generated");
        std::fs::write(path, text).expect("write the manifest");
    }
}
