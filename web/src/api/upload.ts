// Sending a file as the request body, with upload progress: `fetch` cannot report how
// much of a request body has gone, so this uses XMLHttpRequest, with the same CSRF header
// and the same errors (`ApiError` for a problem answer, `NetworkError` for a lost one).
import { CSRF_COOKIE, CSRF_HEADER, readCookie } from "./client";
import { ApiError, NetworkError, type Problem } from "./problem";

export function upload<T>(
  method: "POST" | "PUT",
  url: string,
  body: Blob,
  contentType: string,
  onProgress?: (fraction: number) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.setRequestHeader("Accept", "application/json, application/problem+json");
    const token = readCookie(CSRF_COOKIE);
    if (token) xhr.setRequestHeader(CSRF_HEADER, token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new NetworkError(new Error("upload failed")));
    xhr.onload = () => {
      let parsed: unknown;
      try {
        parsed = xhr.responseText ? JSON.parse(xhr.responseText) : undefined;
      } catch {
        parsed = xhr.responseText;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(parsed as T);
      } else {
        const problem: Problem =
          parsed && typeof parsed === "object" ? (parsed as Problem) : { status: xhr.status, detail: String(parsed ?? "") };
        reject(new ApiError(xhr.status, problem));
      }
    };
    xhr.send(body);
  });
}
