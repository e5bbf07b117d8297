//! Which groups each wave of a patch takes. A wave names its groups, or takes its recipe's (those
//! tagged `tuesday:image=<recipe>`) in order of name: `size` of them after the earlier waves of the
//! recipe took theirs (a canary of 1, then 10%, ...), or without a size all that are left. The plan
//! names each sized wave's groups, so that the ones after it leave them alone.

use std::collections::{BTreeMap, BTreeSet};

use contract::machines::patch::Wave;
use contract::machines::update::MAX_GROUPS;

use crate::autoscaling::find_groups::IMAGE_TAG;

/// Each wave's groups, in the waves' order, and every problem found, as `field: problem`.
pub struct Division {
    pub groups: Vec<Vec<String>>,
    pub problems: Vec<String>,
}

/// Divides `tagged` (each recipe's groups) among `waves`.
pub fn divide(waves: &[Wave], tagged: &BTreeMap<String, BTreeSet<String>>) -> Division {
    let mut division = Division { groups: Vec::new(), problems: Vec::new() };
    let mut taken: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut rest_taken_by: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, wave) in waves.iter().enumerate() {
        let recipe = wave.recipe.as_str();
        let mut problem =
            |field: &str, problem: String| division.problems.push(format!("waves[{i}].{field}: {problem}"));
        let groups: Vec<String> = if !wave.groups.is_empty() {
            if wave.size.is_some() {
                problem("size", "a wave names its groups or gives a size of its recipe's, not both".into());
            }
            wave.groups.clone()
        } else {
            let all = tagged.get(recipe).cloned().unwrap_or_default();
            let taken = taken.entry(recipe).or_default();
            let left: Vec<&String> = all.iter().filter(|g| !taken.contains(*g)).collect();
            let none_left = || format!("earlier waves take all {} groups tagged {IMAGE_TAG}={recipe}", all.len());
            if all.is_empty() {
                problem("recipe", format!("no Auto Scaling group is tagged {IMAGE_TAG}={recipe}"));
            } else if let Some(earlier) = rest_taken_by.get(recipe) {
                problem(
                    "size",
                    format!(
                        "waves[{earlier}] takes the rest of {recipe}'s groups: give it a size, or this wave groups"
                    ),
                );
            } else if left.is_empty() {
                problem(if wave.size.is_some() { "size" } else { "groups" }, none_left());
            }
            let count = match &wave.size {
                None => {
                    rest_taken_by.insert(recipe, i);
                    left.len()
                }
                Some(size) => size.size_of(all.len()).unwrap_or_else(|invalid| {
                    problem("size", invalid);
                    0
                }),
            };
            left.into_iter().take(count).cloned().collect()
        };
        if groups.len() > MAX_GROUPS as usize {
            let field = if wave.groups.is_empty() { "size" } else { "groups" };
            division.problems.push(format!(
                "waves[{i}].{field}: {} groups, where one update takes at most {MAX_GROUPS}: divide them among more waves",
                groups.len()
            ));
        }
        if wave.groups.is_empty() {
            taken.entry(recipe).or_default().extend(groups.iter().cloned());
        }
        division.groups.push(groups);
    }
    division
}

#[cfg(test)]
mod tests {
    use contract::machines::patch::Share;

    use super::*;

    fn wave(name: &str, size: Option<Share>) -> Wave {
        let wave = serde_json::json!({ "name": name, "recipe": "win2022" });
        Wave { size, ..serde_json::from_value(wave).unwrap() }
    }

    fn fleet(count: usize) -> BTreeMap<String, BTreeSet<String>> {
        BTreeMap::from([("win2022".into(), (0..count).map(|i| format!("web-{i:05}")).collect())])
    }

    #[test]
    fn a_canary_then_a_share_then_the_rest_take_the_groups_in_order_of_name() {
        let waves = [
            wave("canary", Some(Share::Count(1))),
            wave("early", Some(Share::Percent("10%".into()))),
            wave("rest", None),
        ];
        let division = divide(&waves, &fleet(25));
        assert!(division.problems.is_empty(), "{:?}", division.problems);
        assert_eq!(division.groups[0], ["web-00000"]);
        assert_eq!(division.groups[1], ["web-00001", "web-00002", "web-00003"], "10% of 25, rounded up");
        assert_eq!(division.groups[2].len(), 21);
        assert_eq!(division.groups[2].first().map(String::as_str), Some("web-00004"));
    }

    #[test]
    fn a_wave_after_the_rest_or_with_none_left_or_too_many_is_a_problem_naming_its_field() {
        let waves = [wave("all", None), wave("more", Some(Share::Count(1)))];
        let division = divide(&waves, &fleet(3));
        assert_eq!(division.problems.len(), 1, "{:?}", division.problems);
        assert!(division.problems[0].starts_with("waves[1].size: waves[0] takes the rest"), "{:?}", division.problems);

        let waves = [wave("half", Some(Share::Percent("50%".into()))), wave("big", Some(Share::Count(9)))];
        let division = divide(&waves, &fleet(2));
        assert!(division.problems.is_empty(), "a size takes what is left: {:?}", division.problems);
        let waves = [wave("all", Some(Share::Percent("100%".into()))), wave("rest", None)];
        let division = divide(&waves, &fleet(2));
        assert_eq!(
            division.problems,
            ["waves[1].groups: earlier waves take all 2 groups tagged tuesday:image=win2022"]
        );

        let waves = [wave("zero", Some(Share::Count(0))), wave("odd", Some(Share::Percent("5 %".into())))];
        let division = divide(&waves, &fleet(2));
        assert_eq!(division.problems.len(), 2, "{:?}", division.problems);
        assert!(division.problems[0].starts_with("waves[0].size: 0:"), "{:?}", division.problems);
        assert!(division.problems[1].starts_with("waves[1].size: '5 %'"), "{:?}", division.problems);

        let division = divide(&[wave("everything", None)], &fleet(MAX_GROUPS as usize + 1));
        assert_eq!(division.problems.len(), 1, "{:?}", division.problems);
        assert!(division.problems[0].starts_with("waves[0].size: 10001 groups"), "{:?}", division.problems);
    }
}
