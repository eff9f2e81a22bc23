'use strict'

// The CI providers, in one table: who issues their id_tokens (`iss`), the claims a real token
// of theirs carries (the defaults a test's claims are merged over), the claims the npm
// registry lets a trusted-publisher configuration name, with the form each value must have, and
// who the registry records as the publisher of a version published through it (`npmUser`).
//
// These rules are written from the registry's API description and the providers' documented
// claims, not taken from any client, so the emulator is a real check of what a client sends.

const isUuid = (value) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)

/** `a/b/c` split into segments, or null when a segment is empty or holds whitespace. */
function segments(path) {
  const parts = path.split('/')
  return parts.every((p) => p !== '' && !/\s/.test(p)) ? parts : null
}

/** The file a ref URI names: `o/r/.github/workflows/release.yml@refs/heads/main` -> `release.yml`. */
function refFile(reference) {
  const at = reference.lastIndexOf('@')
  const path = at < 0 ? reference : reference.slice(0, at)
  return path.slice(path.lastIndexOf('/') + 1)
}

// Checks of configured claim values: each answers what is wrong, or nothing.
const checks = {
  ownerRepo: (v) => (segments(v)?.length === 2 ? undefined : 'must be "owner/repository"'),
  groupProject: (v) => ((segments(v)?.length ?? 0) >= 2 ? undefined : 'must be "group/project" or "group/subgroup/project"'),
  uuid: (v) => (isUuid(v) ? undefined : 'must be a UUID'),
  vcsOrigin: (v) => {
    if (v.includes('://')) return 'must not include a scheme ("github.com/owner/repo")'
    return (segments(v)?.length ?? 0) >= 3 ? undefined : 'must be "host/owner/repo"'
  },
  environment: (v) => (v.trim() !== '' && v.trim() === v ? undefined : 'must not be blank or padded with spaces'),
}

/**
 * A configured claim: `value` is `text` (matched exactly), `file` (`{ file }`, matched against
 * the file of the token's ref claim) or `list` (each value must be among the token's).
 */
const claim = (value, required, check) => ({ value, required, check })

/** Sets each claim the test did not set. */
function fill(claims, defaults) {
  for (const [key, value] of Object.entries(defaults)) if (!Object.hasOwn(claims, key)) claims[key] = value
  return claims
}

const text = (claims, key) => (typeof claims[key] === 'string' ? claims[key] : '')

const CIRCLECI = 'oidc.circleci.com/'

const PROVIDERS = {
  github: {
    npmUser: { name: 'GitHub Actions', email: 'npm-oidc-no-reply@github.com' },
    issuer: 'https://token.actions.githubusercontent.com',
    defaults(c) {
      fill(c, { repository: 'acme/widgets' })
      const repository = text(c, 'repository')
      fill(c, {
        repository_owner: repository.split('/')[0],
        repository_id: '123456789',
        repository_owner_id: '987654321',
        repository_visibility: 'private',
        workflow: 'Release',
        workflow_ref: `${repository}/.github/workflows/release.yml@refs/heads/main`,
        ref: 'refs/heads/main',
        ref_type: 'branch',
        sha: '8f4b0a1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a',
        event_name: 'push',
        runner_environment: 'github-hosted',
      })
      const sub = typeof c.environment === 'string'
        ? `repo:${repository}:environment:${c.environment}`
        : `repo:${repository}:ref:refs/heads/main`
      return fill(c, { job_workflow_ref: text(c, 'workflow_ref'), sub })
    },
    trust: {
      repository: claim('text', true, checks.ownerRepo),
      workflow_ref: claim('file', true),
      environment: claim('text', false, checks.environment),
    },
  },
  gitlab: {
    npmUser: { name: 'GitLab CI/CD', email: 'npm-oidc-no-reply@gitlab.com' },
    issuer: 'https://gitlab.com',
    defaults(c) {
      fill(c, { project_path: 'acme/widgets' })
      const project = text(c, 'project_path')
      return fill(c, {
        namespace_path: project.includes('/') ? project.slice(0, project.lastIndexOf('/')) : '',
        ci_config_ref_uri: `gitlab.com/${project}//.gitlab-ci.yml@refs/heads/main`,
        ref: 'main',
        ref_type: 'branch',
        pipeline_source: 'push',
        project_visibility: 'private',
        runner_environment: 'gitlab-hosted',
        sub: `project_path:${project}:ref_type:branch:ref:main`,
      })
    },
    trust: {
      project_path: claim('text', true, checks.groupProject),
      ci_config_ref_uri: claim('file', true),
      environment: claim('text', false, checks.environment),
    },
  },
  circleci: {
    npmUser: { name: 'CircleCI', email: 'npm-oidc-no-reply@circleci.com' },
    // CircleCI's issuer names the organization: https://oidc.circleci.com/org/<org-id>.
    issuer: 'https://oidc.circleci.com/org/',
    issuerOf: (claims) => `https://oidc.circleci.com/org/${text(claims, `${CIRCLECI}org-id`)}`,
    defaults(c) {
      fill(c, {
        [`${CIRCLECI}org-id`]: '8d5e3c8a-1b6f-4a1e-9c1d-2f3a4b5c6d7e',
        [`${CIRCLECI}project-id`]: '2b7f4e1c-3d5a-4b6c-8d9e-0f1a2b3c4d5e',
        [`${CIRCLECI}pipeline-definition-id`]: '6c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
        [`${CIRCLECI}vcs-origin`]: 'github.com/acme/widgets',
        [`${CIRCLECI}vcs-ref`]: 'refs/heads/main',
        [`${CIRCLECI}context-ids`]: [],
        [`${CIRCLECI}ssh-rerun`]: false,
      })
      const sub = `org/${text(c, `${CIRCLECI}org-id`)}/project/${text(c, `${CIRCLECI}project-id`)}/user/4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f`
      return fill(c, { sub })
    },
    trust: {
      [`${CIRCLECI}org-id`]: claim('text', true, checks.uuid),
      [`${CIRCLECI}project-id`]: claim('text', true, checks.uuid),
      [`${CIRCLECI}pipeline-definition-id`]: claim('text', true, checks.uuid),
      [`${CIRCLECI}vcs-origin`]: claim('text', true, checks.vcsOrigin),
      [`${CIRCLECI}context-ids`]: claim('list', false, checks.uuid),
    },
  },
  google: {
    issuer: 'https://accounts.google.com',
    defaults: (c) => fill(c, {
      email: 'publisher@acme-project.iam.gserviceaccount.com',
      email_verified: true,
      sub: '112233445566778899000',
      azp: '112233445566778899000',
    }),
    // npm does not trust Google Cloud; PyPI does (see pypi.js).
    trust: undefined,
  },
}

/** A provider's claims: `overrides` over realistic defaults (derived claims follow the values given). */
function defaultClaims(provider, overrides = {}) {
  return PROVIDERS[provider].defaults(structuredClone(overrides))
}

/** The `iss` a token with these claims carries. */
function issuerOf(provider, claims) {
  const { issuerOf: of, issuer } = PROVIDERS[provider]
  return of ? of(claims) : issuer
}

/** The provider whose issuer `iss` is (CircleCI's by prefix, as it names the organization). */
function providerOfIssuer(iss) {
  return Object.keys(PROVIDERS).find((name) => {
    const { issuer, issuerOf: of } = PROVIDERS[name]
    return of ? typeof iss === 'string' && iss.startsWith(issuer) : iss === issuer
  })
}

/**
 * Checks the claims of a configuration to create, as the registry does: the provider's claims,
 * the required ones present, each of the right form. Answers what is wrong, or nothing.
 */
function invalidTrustClaims(provider, claims) {
  const rules = PROVIDERS[provider].trust
  const unknown = Object.keys(claims).find((key) => !Object.hasOwn(rules, key))
  if (unknown !== undefined) return `${unknown} is not a ${provider} claim that can be matched`
  for (const [key, rule] of Object.entries(rules)) {
    const problem = claims[key] === undefined ? (rule.required ? 'is required' : undefined) : claimProblem(rule, claims[key])
    if (problem) return `${key} ${problem}`
  }
  return undefined
}

/** What is wrong with a configured claim's value, or nothing. */
function claimProblem(rule, value) {
  switch (rule.value) {
    case 'text':
      return typeof value === 'string' ? rule.check?.(value) : 'must be a string'
    case 'list':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return 'must be an array of strings'
      return value.map((v) => rule.check?.(v)).find(Boolean)
    case 'file':
      // `{ file: "release.yml" }`: a workflow file name, not a path.
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be an object { file }'
      if (Object.keys(value).some((k) => k !== 'file')) return 'supports only file matching: { file }'
      if (typeof value.file !== 'string') return 'file must be a string'
      if (!/\.ya?ml$/.test(value.file)) return 'file must end in .yml or .yaml'
      return /[/\\]/.test(value.file) ? 'file must be a file name, not a path' : undefined
    default:
      throw new Error(`unknown claim rule ${rule.value}`)
  }
}

module.exports = { PROVIDERS, defaultClaims, invalidTrustClaims, isUuid, issuerOf, providerOfIssuer, refFile }
