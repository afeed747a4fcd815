// Files and directories for launch inputs, uploaded through the data proxy: CreateUploadLocation
// (REST POST /api/v1/dataproxy/artifact_urn) issues a signed PUT bound to the content's MD5, and
// the input's Blob literal names the native URL the upload landed at.
import { type Json, post } from "./api";
import { base64, hex, md5OfBlob } from "./md5";

export interface Scope {
  project: string;
  domain: string;
}

interface Location {
  signedUrl: string;
  nativeUrl: string;
  headers?: Record<string, string>;
}

async function put(location: Location, body: Blob) {
  const response = await fetch(location.signedUrl, { method: "PUT", headers: location.headers ?? {}, body });
  if (!response.ok) throw new Error(`upload refused (${response.status}): ${await response.text()}`);
}

async function uploadOne(scope: Scope, file: Blob, filename: string, filenameRoot: string): Promise<Location> {
  const md5 = await md5OfBlob(file);
  const location: Location = await post("dataproxy/artifact_urn", {
    ...scope,
    contentMd5: base64(md5),
    filename,
    // Without a root the folder is named after the content, so the same file lands in one place.
    filenameRoot: filenameRoot || undefined,
  });
  await put(location, file);
  return location;
}

// A path below the chosen folder: the browser's relative path without the folder's own name.
export function pathInFolder(file: File): string {
  const relative = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
  const parts = relative.split("/");
  return parts.length > 1 ? parts.slice(1).join("/") : relative;
}

function randomRoot(): string {
  return `console-${hex(crypto.getRandomValues(new Uint8Array(10)))}`;
}

export async function uploadFile(scope: Scope, file: File): Promise<string> {
  return (await uploadOne(scope, file, file.name, "")).nativeUrl;
}

// Every file under one fresh folder; the directory's URI is that folder's (ending in "/").
export async function uploadDirectory(scope: Scope, files: File[]): Promise<string> {
  if (!files.length) throw new Error("the chosen folder is empty");
  const root = randomRoot();
  let folder = "";
  for (const file of files) {
    const path = pathInFolder(file);
    const { nativeUrl } = await uploadOne(scope, file, path, root);
    folder = nativeUrl.slice(0, nativeUrl.length - path.length);
  }
  return folder;
}

export function blobLiteral(type: Json, uri: string): Json {
  return { scalar: { blob: { metadata: { type: type.blob }, uri } } };
}
