'use strict'

// The control API: the emulator's methods as JSON routes under `/-/emulator/`, so that another
// process (a Rust test harness, a shell script) can drive an emulator started by cli.js. Each
// route answers what the method returns, as JSON (204 when it returns nothing). Control requests
// are not recorded, and neither faults nor the rate limit apply to them.

const { Reply, dispatch } = require('./http.js')

/** The request's JSON body (`undefined` when empty), or throws a TypeError. */
function body(request) {
  if (request.body.length === 0) return undefined
  const value = request.json()
  if (value === undefined) throw new TypeError('The request body must be JSON')
  return value
}

/** `done(method(...))`: the method ran for its effect, and returns nothing: 204. */
const done = () => Reply.empty(204)

/** Answers a control request by calling the method of `emulator` it names. */
function control(emulator, request) {
  // A package name may come %2f-escaped (one segment) or not (several).
  const name = (rest) => rest.join('/')
  try {
    return dispatch([
      ['GET', '-/emulator', () => Reply.json(200, { url: emulator.url, caPem: emulator.caPem, npmAudience: emulator.npmAudience })],
      ['POST', '-/emulator/seed', () => done(emulator.seed(body(request)))],
      ['GET', '-/emulator/publishers/*', ({ rest }) => Reply.json(200, emulator.publishers(name(rest)))],
      ['GET', '-/emulator/versions/*', ({ rest }) => Reply.json(200, emulator.versions(name(rest)))],
      ['GET', '-/emulator/requests', () => Reply.json(200, emulator.requests())],
      ['DELETE', '-/emulator/requests', () => done(emulator.clearRequests())],
      ['POST', '-/emulator/faults', () => done(emulator.injectFault(body(request)))],
      ['DELETE', '-/emulator/faults', () => done(emulator.clearFaults())],
      ['POST', '-/emulator/id-token', () => Reply.json(200, emulator.issueIdToken(body(request)))],
      ['POST', '-/emulator/github-actions-job', () => Reply.json(200, emulator.githubActionsJob(body(request)))],
      ['POST', '-/emulator/google-cloud-identity', () => Reply.json(200, emulator.googleCloudIdentity(body(request)))],
      ['POST', '-/emulator/otp', () => {
        const { user, otp } = body(request) ?? {}
        return done(emulator.setOtp(user, otp))
      }],
      ['POST', '-/emulator/stop', () => {
        const reply = done()
        reply.afterSent = () => emulator.stop()
        return reply
      }],
    ], request) ?? Reply.message(404, `No control route ${request.method} ${request.rawPath}`)
  } catch (error) {
    if (error instanceof TypeError) return Reply.message(400, error.message)
    throw error
  }
}

module.exports = { control }
