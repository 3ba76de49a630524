// A syntax error: exit status 107 with the file and line.
export default function () {
  const x = ;
}
