export { OldestFirst } from './oldest-first';
