// The ES module face of trust-native/testing (the implementation is CommonJS: index.js).
import testing from './index.js'

export const { LoopbackProxy, RegistryEmulator, startEmulator, startProxy } = testing
export default testing
