//! Checks and inferences on fixture repositories.

use std::path::PathBuf;

use super::*;
use crate::provider::{circleci::CIRCLECI, github::GITHUB, gitlab::GITLAB};

const NPM: &str = "npm:registry.npmjs.org";

/// A checkout with these files (and a `.git`).
fn repo(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("tn-workflow-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

fn github(root: &Path, file: Option<&str>, environment: Option<&str>) -> WorkflowCheck {
    Checker::new(root).check(
        &GITHUB,
        &Request {
            package: Some("widgets"),
            file,
            environment,
            audience: NPM,
            ..Request::default()
        },
    )
}

fn kinds(check: &WorkflowCheck) -> Vec<&str> {
    check.findings.iter().map(|f| f.kind).collect()
}

const PACKAGE: (&str, &str) = (
    "package.json",
    r#"{"name":"widgets","repository":"github:acme/widgets"}"#,
);

const RELEASE: &str = "name: Release
on:
  push:
    tags: ['v*']
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: npm test
  publish:
    needs: test
    runs-on: ubuntu-latest
    environment: npm
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v5
      - run: npm publish --provenance
";

#[test]
fn a_workflow_that_publishes_passes_and_says_which_job() {
    let root = repo("ok", &[PACKAGE, (".github/workflows/release.yml", RELEASE)]);
    let check = github(&root, Some("release.yml"), Some("npm"));
    assert!(check.ok, "{:?}", check.findings);
    assert_eq!(check.jobs.len(), 1);
    assert_eq!(
        (check.jobs[0].name.as_str(), check.jobs[0].line),
        ("publish", 12)
    );
    assert_eq!(check.jobs[0].environment.as_deref(), Some("npm"));
    // No environment configured: the job's is no obstacle.
    assert!(github(&root, Some("release.yml"), None).ok);
}

#[test]
fn each_problem_is_a_finding_with_its_fix() {
    let release = |edit: &dyn Fn(&str) -> String| {
        let root = repo(
            "problems",
            &[PACKAGE, (".github/workflows/release.yml", &edit(RELEASE))],
        );
        github(&root, Some("release.yml"), Some("npm"))
    };
    let check = release(&|w| w.replace("      id-token: write\n", ""));
    assert_eq!(kinds(&check), ["permission"]);
    assert_eq!(
        check.findings[0].fix,
        "Add `id-token: write` under `permissions:` (.github/workflows/release.yml, line 16)."
    );
    assert_eq!(check.findings[0].line, Some(16));

    let check = release(&|w| {
        w.replace(
            "    permissions:\n      contents: read\n      id-token: write\n",
            "",
        )
    });
    assert_eq!(kinds(&check), ["permission"]);
    assert!(
        check.findings[0]
            .fix
            .contains("under `permissions:` (.github/workflows/release.yml, line 5)"),
        "{}",
        check.findings[0].fix
    );

    let check = release(&|w| {
        w.replace("permissions:\n  contents: read\n", "").replace(
            "    permissions:\n      contents: read\n      id-token: write\n",
            "",
        )
    });
    assert_eq!(check.findings[0].fix, "Add `permissions: { contents: read, id-token: write }` to job `publish` (.github/workflows/release.yml, line 10).");
    assert!(check.findings[0]
        .message
        .contains("default permissions never include"));

    let check = release(&|w| {
        w.replace(
            "    permissions:\n      contents: read\n      id-token: write\n",
            "    permissions: write-all\n",
        )
    });
    assert!(check.ok);
    let check = release(&|w| {
        w.replace(
            "    permissions:\n      contents: read\n      id-token: write\n",
            "    permissions: read-all\n",
        )
    });
    assert!(check.findings[0]
        .fix
        .starts_with("Replace `permissions: read-all`"));

    let check = release(&|w| w.replace("    environment: npm\n", ""));
    assert_eq!(kinds(&check), ["environment"]);
    assert_eq!(
        check.findings[0].fix,
        "Add `environment: npm` to job `publish` (.github/workflows/release.yml, line 12)."
    );
    let check = release(&|w| {
        w.replace(
            "environment: npm",
            "environment:\n      name: production\n      url: https://x",
        )
    });
    assert!(check.findings[0]
        .message
        .contains("runs in environment `production`"));

    let check = release(&|w| w.replace("npm publish --provenance", "npm pack"));
    assert_eq!(kinds(&check), ["no-publish"]);
    assert!(check.findings[0]
        .message
        .starts_with("No job in .github/workflows/release.yml publishes"));

    let root = repo(
        "missing",
        &[PACKAGE, (".github/workflows/release.yml", RELEASE)],
    );
    let check = github(&root, Some("Release.yml"), None);
    assert_eq!(kinds(&check), ["missing"]);
    assert!(
        check.findings[0].fix.starts_with(
            "Trust the workflow in .github/workflows that publishes widgets: release.yml."
        ),
        "{}",
        check.findings[0].fix
    );

    let check = release(&|_| "jobs:\n  a: [unclosed\n".into());
    assert_eq!(kinds(&check), ["unreadable"]);
    assert_eq!(check.findings[0].line, Some(3));
}

#[test]
fn publish_actions_scripts_and_tools() {
    let job = |steps: &str| {
        format!("on: push\npermissions:\n  id-token: write\njobs:\n  release:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
    };
    for steps in [
        "      - uses: JS-DevTools/npm-publish@v4\n",
        "      - uses: changesets/action@v1\n        with:\n          publish: npm run release\n",
        "      - uses: changesets/action@v1\n        with:\n          publish: make release\n",
        "      - run: npm run release\n",
        "      - run: |\n          npm ci\n          npx semantic-release\n",
        "      - run: pnpm publish --no-git-checks\n",
        "      - run: yarn npm publish\n",
    ] {
        let root = repo(
            "tools",
            &[
                (
                    "package.json",
                    r#"{"name":"widgets","scripts":{"release":"npm run build && changeset publish"}}"#,
                ),
                (".github/workflows/release.yml", &job(steps)),
            ],
        );
        assert!(github(&root, Some("release.yml"), None).ok, "{steps}");
    }
    let root = repo(
        "changesets-version",
        &[
            PACKAGE,
            (
                ".github/workflows/release.yml",
                &job("      - uses: changesets/action@v1\n"),
            ),
        ],
    );
    assert_eq!(
        kinds(&github(&root, Some("release.yml"), None)),
        ["no-publish"]
    );
}

const CALLED: &str = "on:
  workflow_call:
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: npm
    steps:
      - run: npm publish
";

#[test]
fn reusable_workflows_are_followed_and_their_callers_named() {
    let caller = "on: push\njobs:\n  release:\n    permissions:\n      id-token: write\n    uses: ./.github/workflows/publish.yml\n";
    let root = repo(
        "reusable",
        &[
            PACKAGE,
            (".github/workflows/release.yml", caller),
            (".github/workflows/publish.yml", CALLED),
        ],
    );
    let check = github(&root, Some("release.yml"), Some("npm"));
    assert!(check.ok, "{:?}", check.findings);
    assert_eq!(check.jobs[0].name, "release → publish");
    assert_eq!(check.jobs[0].path, ".github/workflows/publish.yml");

    let check = github(&root, Some("publish.yml"), None);
    assert_eq!(kinds(&check), ["reusable"]);
    assert_eq!(
        check.findings[0].fix,
        "Trust the workflow that calls it: release.yml."
    );

    // The caller does not grant id-token: the fix is on the caller.
    let stingy = caller.replace("    permissions:\n      id-token: write\n", "");
    let root = repo(
        "reusable-stingy",
        &[
            PACKAGE,
            (".github/workflows/release.yml", &stingy),
            (".github/workflows/publish.yml", CALLED),
        ],
    );
    let check = github(&root, Some("release.yml"), Some("npm"));
    assert_eq!(kinds(&check), ["permission"]);
    assert_eq!(check.findings[0].job.as_deref(), Some("release"));
    assert_eq!(check.findings[0].line, Some(3));

    // Inference skips the reusable workflow and finds its caller.
    let root = repo(
        "reusable-infer",
        &[
            PACKAGE,
            (".github/workflows/release.yml", caller),
            (".github/workflows/publish.yml", CALLED),
        ],
    );
    let inferred = Checker::new(&root)
        .infer(&GITHUB, Some("widgets"), Some("acme/widgets"))
        .unwrap();
    assert_eq!(
        inferred,
        Some(Inferred {
            file: "release.yml".into(),
            environment: Some("npm".into())
        })
    );
}

#[test]
fn inference_follows_the_monorepo_rule() {
    let workflow = |dir_step: &str| {
        format!("on: push\njobs:\n  publish:\n    permissions:\n      id-token: write\n    environment: npm\n    steps:\n{dir_step}")
    };
    let files = [
        (
            "package.json",
            r#"{"private":true,"workspaces":["packages/*"],"repository":"github:acme/mono"}"#,
        ),
        ("packages/a/package.json", r#"{"name":"@acme/a"}"#),
        ("packages/b/package.json", r#"{"name":"@acme/b"}"#),
        ("packages/c/package.json", r#"{"name":"@acme/c"}"#),
        (
            ".github/workflows/a.yml",
            &workflow("      - run: npm publish\n        working-directory: packages/a\n") as &str,
        ),
        (
            ".github/workflows/b.yml",
            &workflow("      - run: pnpm --filter @acme/b publish\n"),
        ),
        (
            ".github/workflows/ci.yml",
            "on: pull_request\njobs:\n  test:\n    steps:\n      - run: npm test\n",
        ),
    ];
    let root = repo("mono", &files);
    let mut checker = Checker::new(&root.join("packages/a"));
    let infer = |checker: &mut Checker, package: &str| {
        checker.infer(&GITHUB, Some(package), Some("acme/mono"))
    };
    assert_eq!(
        infer(&mut checker, "@acme/a").unwrap().unwrap().file,
        "a.yml"
    );
    assert_eq!(
        infer(&mut checker, "@acme/b").unwrap().unwrap().file,
        "b.yml"
    );
    let none = infer(&mut checker, "@acme/c").unwrap_err();
    assert_eq!(none.field.as_deref(), Some("file"));
    assert!(
        none.message
            .contains("No workflow in .github/workflows publishes @acme/c (packages/c)"),
        "{}",
        none.message
    );

    // A workspace-wide publish at the root reaches every package: now two workflows publish a.
    std::fs::write(
        root.join(".github/workflows/changesets.yml"),
        workflow("      - run: npx changeset publish\n"),
    )
    .unwrap();
    let mut checker = Checker::new(&root);
    assert_eq!(
        infer(&mut checker, "@acme/c").unwrap().unwrap().file,
        "changesets.yml"
    );
    let several = infer(&mut checker, "@acme/a").unwrap_err();
    assert!(several.message.contains("Several workflows in .github/workflows publish @acme/a (packages/a): a.yml, changesets.yml"), "{}", several.message);

    // The check of a file that publishes other packages says where it publishes.
    let check = Checker::new(&root).check(
        &GITHUB,
        &Request {
            package: Some("@acme/c"),
            file: Some("a.yml"),
            audience: NPM,
            ..Request::default()
        },
    );
    assert_eq!(kinds(&check), ["no-publish"]);
    assert!(check.findings[0].message.contains("publishes, but not @acme/c (packages/c): its publish steps run npm publish in packages/a"), "{}", check.findings[0].message);
    assert!(check.findings[0].fix.contains("changesets.yml"));
}

/// The README's release day: CI stages every workspace package with `trust-native stage
/// publish --workspaces`; `apply --workspaces` must find that file without `--file`.
#[test]
fn staging_from_ci_is_publishing() {
    let release = "name: Release
on:
  push:
    tags: ['v*']
jobs:
  stage:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@v4
      - run: npm ci && npm run build
      - run: npx trust-native stage publish --workspaces --tag latest
";
    let root = repo(
        "stage",
        &[
            (
                "package.json",
                r#"{"private":true,"workspaces":["packages/*"],"repository":"github:acme/mono"}"#,
            ),
            ("packages/a/package.json", r#"{"name":"@acme/a"}"#),
            ("packages/b/package.json", r#"{"name":"@acme/b"}"#),
            (".github/workflows/release.yml", release),
        ],
    );
    let mut checker = Checker::new(&root);
    for package in ["@acme/a", "@acme/b"] {
        let inferred = checker
            .infer(&GITHUB, Some(package), Some("acme/mono"))
            .unwrap()
            .unwrap();
        assert_eq!(inferred.file, "release.yml", "{package}");
        let check = checker.check(
            &GITHUB,
            &Request {
                package: Some(package),
                file: Some("release.yml"),
                audience: NPM,
                ..Request::default()
            },
        );
        assert_eq!(kinds(&check), Vec::<&str>::new(), "{package}");
    }
}

#[test]
fn another_repositorys_checkout_or_none_is_not_checked() {
    let root = repo(
        "other",
        &[PACKAGE, (".github/workflows/release.yml", RELEASE)],
    );
    let check = Checker::new(&root).check(
        &GITHUB,
        &Request {
            entity: Some("acme/other"),
            file: Some("x.yml"),
            audience: NPM,
            ..Request::default()
        },
    );
    assert!(check
        .unchecked
        .unwrap()
        .contains("is of acme/widgets, not acme/other"));
    // Letter case is GitHub's business, not a different repository.
    let check = Checker::new(&root).check(
        &GITHUB,
        &Request {
            entity: Some("Acme/Widgets"),
            file: Some("release.yml"),
            audience: NPM,
            ..Request::default()
        },
    );
    assert!(check.unchecked.is_none());
    assert_eq!(
        Checker::new(&root)
            .infer(&GITHUB, None, Some("acme/other"))
            .unwrap(),
        None
    );
    let circle = Checker::new(&root).check(&CIRCLECI, &Request::default());
    assert!(circle.unchecked.is_some() && !circle.ok);
    assert!(circle.strict_error().is_some());
}

const PIPELINE: &str = "stages: [test, release]
.node: &node
  image: node:24
test:
  <<: *node
  script: npm test
publish:
  <<: *node
  stage: release
  environment: production
  id_tokens:
    NPM_ID_TOKEN:
      aud: npm:registry.npmjs.org
  script:
    - npm ci
    - npm publish
";

fn gitlab(root: &Path, environment: Option<&str>) -> WorkflowCheck {
    Checker::new(root).check(
        &GITLAB,
        &Request {
            package: Some("widgets"),
            file: Some(".gitlab-ci.yml"),
            environment,
            audience: NPM,
            ..Request::default()
        },
    )
}

#[test]
fn gitlab_pipelines_need_an_id_token_for_the_registry() {
    let pipeline = |edit: &dyn Fn(&str) -> String| {
        let root = repo(
            "gitlab",
            &[
                (
                    "package.json",
                    r#"{"name":"widgets","repository":"gitlab:acme/widgets"}"#,
                ),
                (".gitlab-ci.yml", &edit(PIPELINE)),
            ],
        );
        gitlab(&root, Some("production"))
    };
    let ok = pipeline(&|p| p.to_string());
    assert!(ok.ok, "{:?}", ok.findings);
    assert_eq!(ok.jobs[0].line, 7);

    let check = pipeline(&|p| {
        p.replace(
            "  id_tokens:\n    NPM_ID_TOKEN:\n      aud: npm:registry.npmjs.org\n",
            "",
        )
    });
    assert_eq!(kinds(&check), ["id-token"]);
    assert_eq!(check.findings[0].fix, "Add `id_tokens: { NPM_ID_TOKEN: { aud: \"npm:registry.npmjs.org\" } }` to job `publish` (.gitlab-ci.yml, line 7).");
    let check = pipeline(&|p| p.replace("aud: npm:registry.npmjs.org", "aud: https://gitlab.com"));
    assert!(
        check.findings[0].fix.starts_with(
            "Set `aud: \"npm:registry.npmjs.org\"` under `NPM_ID_TOKEN:` (.gitlab-ci.yml, line 12)"
        ),
        "{}",
        check.findings[0].fix
    );
    let check = pipeline(&|p| p.replace("NPM_ID_TOKEN:", "ID_TOKEN_1:"));
    assert!(check.findings[0].fix.starts_with("Rename `ID_TOKEN_1`"));
    let check = pipeline(&|p| p.replace("  environment: production\n", ""));
    assert_eq!(kinds(&check), ["environment"]);

    // extends, default: and a local include.
    let split = "include:\n  - local: ci/publish.yml\ndefault:\n  id_tokens:\n    NPM_ID_TOKEN:\n      aud: [npm:registry.npmjs.org]\n";
    let included = ".publish:\n  environment: { name: production }\n  script: [npx semantic-release]\npublish:\n  extends: .publish\n";
    let root = repo(
        "gitlab-split",
        &[(".gitlab-ci.yml", split), ("ci/publish.yml", included)],
    );
    let check = gitlab(&root, Some("production"));
    assert!(check.ok, "{:?}", check.findings);
    assert_eq!(check.jobs[0].path, "ci/publish.yml");
}

#[test]
fn files_that_call_or_include_themselves_over_and_over_end() {
    // Each of 200 jobs calls the workflow itself: 200⁴ analyses without a bound.
    let jobs: String = (0..200)
        .map(|i| format!("  j{i}:\n    uses: ./.github/workflows/self.yml\n"))
        .collect();
    let root = repo(
        "self-calling",
        &[
            PACKAGE,
            (
                ".github/workflows/self.yml",
                &format!("on: [push, workflow_call]\njobs:\n{jobs}"),
            ),
        ],
    );
    let check = github(&root, Some("self.yml"), None);
    assert!(kinds(&check).contains(&"no-publish"));

    // `extends` fanning out nine levels deep, and a pipeline including itself a thousand times.
    let mut pipeline = String::from(".a0:\n  script: npm publish\n");
    for level in 1..10 {
        let parents = vec![format!(".a{}", level - 1); 50].join(", ");
        pipeline.push_str(&format!(".a{level}:\n  extends: [{parents}]\n"));
    }
    pipeline.push_str(&format!(
        "publish:\n  extends: [{}]\n",
        vec![".a9"; 50].join(", ")
    ));
    pipeline.push_str(&format!(
        "include:\n{}",
        "  - local: .gitlab-ci.yml\n".repeat(1000)
    ));
    let root = repo("gitlab-fanout", &[(".gitlab-ci.yml", &pipeline)]);
    let check = gitlab(&root, None);
    // The script is found down the first line of parents; `id_tokens`, found nowhere, is
    // looked for within a bound.
    assert_eq!(kinds(&check), ["id-token"]);
}

#[test]
fn a_job_that_stages_needs_a_publisher_that_allows_staging_and_one_that_publishes_allows_publish() {
    let workflow = |command: &str| {
        format!(
            "on: push\njobs:\n  release:\n    permissions:\n      id-token: write\n    steps:\n      - run: {command}\n"
        )
    };
    let check = |command: &str, permissions: Option<&[&str]>| {
        let root = repo(
            "stage-permission",
            &[
                PACKAGE,
                (".github/workflows/release.yml", &workflow(command)),
            ],
        );
        Checker::new(&root).check(
            &GITHUB,
            &Request {
                package: Some("widgets"),
                file: Some("release.yml"),
                audience: NPM,
                permissions,
                ..Request::default()
            },
        )
    };
    let staged = check("npm stage publish", Some(&["createPackage"]));
    assert_eq!(kinds(&staged), ["permission-stage"]);
    assert!(
        staged.findings[0]
            .text()
            .contains("does not allow stage publish"),
        "{}",
        staged.findings[0].text()
    );
    assert!(
        check(
            "npm stage publish",
            Some(&["createPackage", "createStagedPackage"])
        )
        .ok
    );
    let published = check("npm publish", Some(&["createStagedPackage"]));
    assert_eq!(kinds(&published), ["permission-publish"]);
    // Permissions unknown (checkWorkflow without them): nothing to say.
    assert!(check("npm stage publish", None).ok);

    // registry.npmjs.org lets every trusted publisher stage; another registry may not.
    let root = repo(
        "stage-permission",
        &[
            PACKAGE,
            (
                ".github/workflows/release.yml",
                &workflow("npm stage publish"),
            ),
        ],
    );
    let mut values = crate::provider::Values::default();
    values.set(
        "repository",
        crate::provider::OptionValue::Text("acme/widgets".into()),
    );
    values.set(
        "file",
        crate::provider::OptionValue::Text("release.yml".into()),
    );
    let on = |registry: &str| {
        Checker::new(&root)
            .check_configuration(
                &GITHUB,
                "widgets",
                &values,
                &["createPackage"],
                &reqwest::Url::parse(registry).unwrap(),
            )
            .unwrap()
    };
    assert!(!kinds(&on("https://registry.npmjs.org/")).contains(&"permission-stage"));
    assert!(kinds(&on("https://npm.example.com/")).contains(&"permission-stage"));
}

#[cfg(unix)]
#[test]
fn special_files_in_the_checkout_are_findings_not_hangs() {
    crate::read::in_bounded_child(
        "workflow::tests::special_files_in_the_checkout_are_findings_not_hangs",
        || {
            let package = r#"{"name":"widgets","repository":"github:acme/widgets","scripts":{"release":"npm publish"}}"#;
            let workflow = RELEASE.replace("npm publish --provenance", "npm run release");
            let root = repo(
                "special",
                &[
                    ("package.json", package),
                    (".github/workflows/release.yml", &workflow),
                ],
            );
            let fifo = |path: PathBuf| {
                let _ = std::fs::remove_file(&path);
                let made = std::process::Command::new("mkfifo").arg(&path).status();
                assert!(made.unwrap().success());
            };
            // The checkout's git config, as its identity is read.
            fifo(root.join(".git/config"));
            assert!(github(&root, Some("release.yml"), Some("npm")).ok);
            fifo(root.join(".github/workflows/release.yml"));
            let check = github(&root, Some("release.yml"), Some("npm"));
            assert_eq!(kinds(&check), vec!["unreadable"]);
            assert!(check.findings[0].message.contains("a FIFO"));
            std::fs::remove_dir_all(&root).unwrap();
        },
    );
}

#[test]
fn a_key_given_twice_is_a_finding_at_its_line() {
    // GitHub rejects such a file, and the job would get no id_token: never `ok`.
    let cases = [
        (
            "    permissions:\n      contents: read\n      id-token: write\n",
            "    permissions:\n      contents: read\n      id-token: write\n    permissions: {}\n",
            19,
            "permissions",
        ),
        (
            "      id-token: write\n",
            "      id-token: write\n      id-token: none\n",
            19,
            "id-token",
        ),
        (
            "permissions:\n  contents: read\n",
            "permissions:\n  id-token: write\npermissions: read-all\n",
            7,
            "permissions",
        ),
    ];
    for (grant, twice, line, key) in cases {
        assert!(RELEASE.contains(grant));
        let root = repo(
            "twice",
            &[
                PACKAGE,
                (
                    ".github/workflows/release.yml",
                    &RELEASE.replace(grant, twice),
                ),
            ],
        );
        let check = github(&root, Some("release.yml"), Some("npm"));
        assert!(!check.ok, "{twice}");
        assert_eq!(kinds(&check), vec!["unreadable"], "{twice}");
        let finding = &check.findings[0];
        assert_eq!(finding.line, Some(line), "{twice}: {}", finding.message);
        assert!(
            finding.message.contains(&format!("`{key}` is given twice")),
            "{}",
            finding.message
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn many_files_of_many_nodes_are_not_all_kept() {
    // Each file is small and within the loader's bounds (an anchor of 17,000 scalars, aliased
    // nine times), but a check that infers the file reads them all: 250 of them kept would be
    // gigabytes.
    crate::read::in_bounded_child(
        "workflow::tests::many_files_of_many_nodes_are_not_all_kept",
        || {
            let wide = vec!["x"; 17_000].join(", ");
            let aliases: String = (0..9).map(|i| format!("b{i}: *a\n")).collect();
            let text = format!("a: &a [{wide}]\n{aliases}jobs:\n  p:\n    runs-on: x\n");
            let names: Vec<String> = (0..250)
                .map(|i| format!(".github/workflows/w{i:03}.yml"))
                .collect();
            let files: Vec<(&str, &str)> = names
                .iter()
                .map(|n| (n.as_str(), text.as_str()))
                .chain([PACKAGE])
                .collect();
            let root = repo("many", &files);
            let check = github(&root, None, None);
            assert_eq!(kinds(&check), vec!["no-publish"]);
            std::fs::remove_dir_all(&root).unwrap();
        },
    );
}

/// The npm registry refuses id_tokens from self-hosted runners: a publishing job on one is a
/// finding at its `runs-on:` line, however the label is given.
#[test]
fn a_job_on_a_self_hosted_runner_is_a_finding() {
    for runs_on in [
        "self-hosted",
        "[self-hosted, linux, x64]",
        "\n      - linux\n      - Self-Hosted",
        "\n      labels: [self-hosted]",
    ] {
        let text = RELEASE.replace(
            "environment: npm\n",
            "environment: npm\n    runs-on: PLACEHOLDER\n",
        );
        // The publish job's own `runs-on:`, moved to line 15.
        let text = text
            .replacen(
                "    runs-on: ubuntu-latest\n    environment",
                "    environment",
                1,
            )
            .replace("PLACEHOLDER", runs_on);
        let root = repo(
            "self-hosted",
            &[PACKAGE, (".github/workflows/release.yml", &text)],
        );
        let check = github(&root, Some("release.yml"), Some("npm"));
        assert!(!check.ok, "{runs_on}");
        assert_eq!(kinds(&check), vec!["runner"], "{runs_on}");
        let finding = &check.findings[0];
        assert_eq!(finding.line, Some(15), "{runs_on}");
        assert!(
            finding.message.contains("self-hosted"),
            "{}",
            finding.message
        );
        assert!(finding.fix.contains("GitHub-hosted"), "{}", finding.fix);
    }
    // A GitHub-hosted runner is no finding.
    let root = repo(
        "gh-hosted",
        &[PACKAGE, (".github/workflows/release.yml", RELEASE)],
    );
    assert!(github(&root, Some("release.yml"), Some("npm")).ok);
}

/// actions/setup-node with `registry-url` in the publishing job writes a token line npm falls
/// back to when the exchange fails: a finding at that step, whose fix removes it.
#[test]
fn a_setup_node_step_with_registry_url_in_the_publishing_job_is_a_finding() {
    let text = RELEASE.replace(
        "      - uses: actions/checkout@v5\n      - run: npm publish",
        "      - uses: actions/checkout@v5\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 24\n          registry-url: https://registry.npmjs.org\n      - run: npm publish",
    );
    let root = repo(
        "registry-url",
        &[PACKAGE, (".github/workflows/release.yml", &text)],
    );
    let check = github(&root, Some("release.yml"), Some("npm"));
    assert_eq!(kinds(&check), vec!["npmrc"]);
    let finding = &check.findings[0];
    assert_eq!(finding.line, Some(21));
    assert_eq!(finding.job.as_deref(), Some("publish"));
    assert!(
        finding.message.contains("registry-url"),
        "{}",
        finding.message
    );
    assert!(
        finding.message.contains("falls back"),
        "{}",
        finding.message
    );
    assert!(
        finding.fix.starts_with("Remove `registry-url`"),
        "{}",
        finding.fix
    );
    // In a job that does not publish, it is none of the release's business.
    let text = RELEASE.replace(
        "      - run: npm test\n",
        "      - uses: actions/setup-node@v4\n        with:\n          registry-url: https://registry.npmjs.org\n      - run: npm test\n",
    );
    let root = repo(
        "registry-url-test",
        &[PACKAGE, (".github/workflows/release.yml", &text)],
    );
    assert!(github(&root, Some("release.yml"), Some("npm")).ok);
}

/// Finding 3 (issue 23): on a case-insensitive disk (macOS, Windows) `Release.yml` opens
/// `release.yml`; the registry compares the name exactly, and so does the check: against the
/// folder's listing.
#[test]
fn a_workflow_name_is_compared_with_the_folders_listing() {
    let root = repo(
        "spelled",
        &[(".github/workflows/release.yml", "on: push\n")],
    );
    assert!(spelled_as_listed(&root, ".github/workflows/release.yml"));
    assert!(!spelled_as_listed(&root, ".github/workflows/Release.yml"));
    assert!(!spelled_as_listed(&root, ".GitHub/workflows/release.yml"));
    assert!(!spelled_as_listed(&root, ".github/workflows/missing.yml"));
}
