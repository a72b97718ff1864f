// Hash routing (#/runs/run_…): the server serves one index.html and needs no catch-all route.
import { useEffect, useState, type MouseEvent, type ReactNode } from "react";

/** The current hash path split into decoded segments, e.g. ["runs", "run_123"]. */
export function currentPath(): string[] {
  const raw = window.location.hash.replace(/^#\/?/, "").split("?")[0];
  return raw.split("/").filter(Boolean).map(decodeURIComponent);
}

/** Query parameters after "?" in the hash (e.g. #/runs/compare?ids=a,b). */
export function hashQuery(): URLSearchParams {
  const hash = window.location.hash;
  const at = hash.indexOf("?");
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : "");
}

export function useRoute(): string[] {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener("hashchange", update);
    return () => window.removeEventListener("hashchange", update);
  }, []);
  return path;
}

export function href(path: string): string {
  return `#${path.startsWith("/") ? path : `/${path}`}`;
}

export function navigate(path: string): void {
  window.location.hash = href(path);
}

export function Link(props: {
  to: string;
  children: ReactNode;
  className?: string;
  testId?: string;
  onClick?: (e: MouseEvent<HTMLAnchorElement>) => void;
}) {
  return (
    <a href={href(props.to)} className={props.className} data-testid={props.testId} onClick={props.onClick}>
      {props.children}
    </a>
  );
}
