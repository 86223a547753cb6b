/** A call frame as V8's CPU and allocation profiles give it. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** Where a frame's code lives, short: the package for node_modules, src/… or bench/… for ours, else the URL. */
export function frameLocation(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  const src = /\/(src|bench)\/(.*)$/.exec(url);
  return src ? `${src[1]}/${src[2]}` : url || '(native)';
}

/** `function  location:line`, as the profile summaries print a frame (lines counted from 1). */
export function frameLabel(frame: CallFrame): string {
  return `${frame.functionName || '(anonymous)'}  ${frameLocation(frame.url)}:${frame.lineNumber + 1}`;
}
