import { Text } from 'ink';
import { clock, sanitize } from '../format.js';
import type { ChatLine } from '../session.js';

/** One entry of the message area; colour tells who speaks: you, others, the server, the client. */
export function MessageLine({ line }: { line: ChatLine }) {
  const time = <Text dimColor>{clock(line.time)} </Text>;
  switch (line.kind) {
    case 'message':
      return (
        <Text wrap="wrap">
          {time}
          <Text bold color={line.own ? 'cyan' : 'green'}>
            {sanitize(line.sender)}
          </Text>
          {': '}
          {sanitize(line.text)}
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
