export { readBodyCapped } from './read-body-capped';
export { AdmissionGate, type ClosingResponse } from './admission-gate';
