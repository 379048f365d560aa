import { isAbsolute, relative, resolve, sep } from 'node:path';

const BY_TYPE: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/avif': 'avif',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/ogg': 'ogg',
  'audio/flac': 'flac',
};

/** The media type without parameters, lower case; `application/octet-stream` when absent. */
export function mediaType(header: string | string[] | undefined): string {
  const value = (Array.isArray(header) ? header[0] : header) ?? '';
  return value.split(';')[0]?.trim().toLowerCase() || 'application/octet-stream';
}

/** The file extension: from the content type; for a generic one, from the URL's own (short, alphanumeric), else `bin`. */
export function extensionFor(contentType: string, url: string): string {
  const known = BY_TYPE[contentType];
  if (known) return known;
  let path = '';
  try {
    path = new URL(url).pathname;
  } catch {
    // Not a URL: no extension to borrow.
  }
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(path)?.[1]?.toLowerCase();
  return ext ?? 'bin';
}

/**
 * `<dir>/<taskId>-<n>.<ext>`, resolved; `null` when it would not be a file directly inside `dir` (a taskId
 * with a separator, `..`, or a drive letter could otherwise write anywhere the process may).
 */
export function targetPath(dir: string, taskId: string, n: number, ext: string): string | null {
  const name = `${taskId}-${n}.${ext}`;
  if (name.includes('/') || name.includes('\\') || name.includes('\0') || name.startsWith('.')) return null;
  const base = resolve(dir);
  const path = resolve(base, name);
  const rel = relative(base, path);
  if (rel !== name || rel.includes(sep) || isAbsolute(rel)) return null;
  return path;
}
