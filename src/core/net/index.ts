export { readBodyCapped } from './read-body-capped';
