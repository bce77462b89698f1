// Dollar-quotes a function body with a tag that does not occur inside it.

export function dollarQuote(body: string): string {
  let tag = '$online$';
  for (let n = 1; body.includes(tag); n++) tag = `$online${n}$`;
  return `${tag}${body}${tag}`;
}
