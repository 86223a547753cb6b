import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every feature module follows the template in docs/architecture.md: the same files under
 * the same names, one class per file named after it, no sub-folders.
 */
const MODULES_DIR = __dirname;
const MODULES = readdirSync(MODULES_DIR).filter((entry) => statSync(join(MODULES_DIR, entry)).isDirectory());

/** Files every module has, by role. */
const REQUIRED_ROLES = ['module', 'dto', 'events', 'channels', 'contract', 'gateway', 'publisher', 'service'];

/**
 * Modules that own no channel, and why: they have no `<m>.channels.ts`. Presence's events
 * are never logged and reach users through `user:<id>`, whose read rule is notifications'.
 */
const WITHOUT_CHANNELS = new Set(['presence']);

const KEBAB_FILE = /^[a-z0-9]+(?:-[a-z0-9]+)*(?:\.[a-z]+)*\.ts$/;
const CLASS_DECLARATION = /^(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+([A-Za-z0-9_]+)/gm;

const kebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
/** `presence-heartbeat.limiter.ts` → `presence-heartbeat-limiter`. */
const classNameOfFile = (file: string) => file.replace(/\.ts$/, '').replace(/\./g, '-');

function sourceFiles(moduleName: string): string[] {
  return readdirSync(join(MODULES_DIR, moduleName)).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'));
}

describe.each(MODULES)('module %s follows the template', (moduleName) => {
  const dir = join(MODULES_DIR, moduleName);
  const files = sourceFiles(moduleName);

  it('has no sub-folders', () => {
    const folders = readdirSync(dir).filter((entry) => statSync(join(dir, entry)).isDirectory());
    expect(folders).toEqual([]);
  });

  it('has every part of the template', () => {
    const roles = REQUIRED_ROLES.filter((role) => role !== 'channels' || !WITHOUT_CHANNELS.has(moduleName));
    const missing = roles.map((role) => `${moduleName}.${role}.ts`).filter((f) => !files.includes(f));
    expect(missing).toEqual([]);
    expect(files.some((f) => f.endsWith('.repository.ts') || f.endsWith('.store.ts'))).toBe(true);
    expect(files.some((f) => f.endsWith('.controller.ts'))).toBe(true);
  });

  it('exports only its Nest module from index.ts', () => {
    const barrel = readFileSync(join(dir, 'index.ts'), 'utf8');
    const exported = [...barrel.matchAll(/^export\s+(.*)$/gm)].map((m) => m[1].trim());
    expect(exported).toHaveLength(1);
    expect(exported[0]).toMatch(new RegExp(`^\\{ \\w+Module \\} from '\\./${moduleName}\\.module';$`));
  });

  it.each(files)('%s is kebab-case and holds at most one class, named after the file', (file) => {
    expect(file).toMatch(KEBAB_FILE);
    const source = readFileSync(join(dir, file), 'utf8');
    const classes = [...source.matchAll(CLASS_DECLARATION)].map((m) => m[1]);
    expect(classes.length).toBeLessThanOrEqual(1);
    if (classes.length === 1) expect(kebab(classes[0])).toBe(classNameOfFile(file));
  });

  it('names inputs …Input and outputs …Dto in its dto file', () => {
    const source = readFileSync(join(dir, `${moduleName}.dto.ts`), 'utf8');
    const exportedNames = [...source.matchAll(/^export\s+(?:const|type|interface|function)\s+([A-Za-z0-9_]+)/gm)].map((m) => m[1]);
    expect(exportedNames.filter((name) => /(?:Body|View|Snapshot|Request|Payload)$/.test(name))).toEqual([]);
  });
});

it('lists every module folder it checks', () => {
  // The template check must not pass by finding nothing.
  expect(MODULES.length).toBeGreaterThanOrEqual(6);
});
