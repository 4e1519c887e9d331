//! Auto-detection across every family in one pass: the families' `detect` patterns joined
//! into a single regular-expression set, so the cost of detection grows with the record's
//! length rather than with the number of families.

use crate::family::Family;
use regex::RegexSetBuilder;
use std::sync::Arc;
use steward_normalize::GroupDetector;

pub(crate) struct FamilyDetector {
    patterns: regex::RegexSet,
    /// Pattern index -> index into `families`.
    owner: Vec<usize>,
    /// In name order, so ties resolve the same way on every run.
    families: Vec<Arc<Family>>,
}

impl FamilyDetector {
    /// `None` when the joined set would exceed the regex size limit; each family then
    /// detects on its own (slower, same answers).
    pub(crate) fn new(families: &[Arc<Family>]) -> Option<FamilyDetector> {
        let mut families: Vec<Arc<Family>> = families.to_vec();
        families.sort_by(|a, b| a.info.name.cmp(&b.info.name));
        let mut sources = Vec::new();
        let mut owner = Vec::new();
        for (i, family) in families.iter().enumerate() {
            for pattern in family.patterns.patterns() {
                sources.push(pattern.clone());
                owner.push(i);
            }
        }
        let patterns = RegexSetBuilder::new(&sources)
            .size_limit(64 << 20)
            .dfa_size_limit(16 << 20)
            .build()
            .ok()?;
        Some(FamilyDetector {
            patterns,
            owner,
            families,
        })
    }
}

impl GroupDetector for FamilyDetector {
    fn members(&self) -> Vec<String> {
        self.families.iter().map(|f| f.info.name.clone()).collect()
    }

    fn best(&self, line: &str) -> Option<(&str, u8)> {
        let mut best: Option<(usize, u8)> = None;
        let mut last = usize::MAX;
        for pattern in self.patterns.matches(line).iter() {
            let index = self.owner[pattern];
            if index == last {
                continue; // several patterns of one family matched
            }
            last = index;
            let family = &self.families[index];
            if family.unless.as_ref().is_some_and(|u| u.is_match(line)) {
                continue;
            }
            if best.is_none_or(|(_, top)| family.score > top) {
                best = Some((index, family.score));
            }
        }
        best.map(|(i, score)| (self.families[i].info.name.as_str(), score))
    }
}

#[cfg(test)]
mod tests {
    use crate::Library;
    use std::path::Path;
    use std::sync::Arc;
    use steward_normalize::Registry;

    fn fixture_lines(dir: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                fixture_lines(&path, out);
            } else if path.extension().is_some_and(|x| x == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                out.extend(text.lines().map(str::to_owned));
            }
        }
    }

    /// The joined detector must answer exactly as asking each family in turn would.
    #[test]
    fn joined_detection_equals_one_by_one_detection() {
        let library = Library::builtin();
        let mut joined = Registry::builtin();
        library.register_into(&mut joined);
        let mut one_by_one = Registry::builtin();
        for family in library.families() {
            one_by_one.register(family.clone());
        }
        let mut lines = vec![
            String::new(),
            "plain text".to_owned(),
            "<13>Jan  1 00:00:00 host app: hello".to_owned(),
        ];
        fixture_lines(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
            &mut lines,
        );
        for line in &lines {
            assert_eq!(
                joined.detect(line).name(),
                one_by_one.detect(line).name(),
                "{line}"
            );
        }
        let _ = Arc::clone(&library.families()[0]);
    }
}
