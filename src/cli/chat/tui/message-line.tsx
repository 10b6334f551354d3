import { Text } from 'ink';
import { clock, preview, sanitize } from '../format.js';
import type { ChatLine } from '../session.js';

/** One entry of the message area; colour tells who speaks: you, others, the server, the client. */
export function MessageLine({ line }: { line: ChatLine }) {
  const time = <Text dimColor>{clock(line.time)} </Text>;
  switch (line.kind) {
    case 'message':
      return (
        <Text wrap="wrap">
          {time}
          {line.seq === undefined ? null : <Text dimColor>#{line.seq} </Text>}
          <Text bold color={line.own ? 'cyan' : 'green'}>
            {sanitize(line.sender)}
          </Text>
          {line.reply ? (
            <Text dimColor>
              {` ↪ #${line.reply.seq} ${sanitize(line.reply.sender)}: "${sanitize(preview(line.reply.text))}"`}
            </Text>
          ) : null}
          {': '}
          {/* A message that names the person stands out. */}
          <Text color={line.mentionsMe ? 'yellow' : undefined} bold={line.mentionsMe === true}>
            {sanitize(line.text)}
          </Text>
        </Text>
      );
    case 'system':
      return (
        <Text wrap="wrap">
          {time}
          <Text color="magenta">* {sanitize(line.text)}</Text>
        </Text>
      );
    case 'notice':
      return (
        <Text wrap="wrap">
          {time}
          <Text color="gray">{sanitize(line.text)}</Text>
        </Text>
      );
    case 'error':
      return (
        <Text wrap="wrap">
          {time}
          <Text color="red">! {sanitize(line.text)}</Text>
        </Text>
      );
  }
}
