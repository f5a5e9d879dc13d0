using System.Text;

namespace Runcs.State;

/// <summary>
/// Go's text/tabwriter column layout for flags 0 and a non-tab pad character (what
/// `runc list` uses: minwidth 12, tabwidth 1, padding 3, ' '). Cells end at '\t' (or '\v');
/// a column block is a run of consecutive lines that have a cell in that column; its width
/// is max(minwidth, widest cell + padding), in runes. The last cell of a line is not part of
/// any column and is written unpadded. A line with a single cell ends all blocks.
/// </summary>
internal sealed class TabWriter
{
    private readonly int _minWidth;
    private readonly int _padding;
    private readonly char _padChar;

    private readonly List<List<Cell>> _lines = new();
    private readonly List<int> _widths = new();
    private readonly StringBuilder _cell = new();
    private readonly StringBuilder _out = new();

    private readonly record struct Cell(string Text, int Width);

    public TabWriter(int minWidth, int padding, char padChar)
    {
        if (padChar == '\t')
            throw new ArgumentException("tab padding is not supported", nameof(padChar));
        _minWidth = minWidth;
        _padding = padding;
        _padChar = padChar;
        Reset();
    }

    /// <summary>Lays out <paramref name="text"/> as tabwriter.Writer.Write followed by Flush would.</summary>
    public static string Format(string text, int minWidth, int padding, char padChar)
    {
        var w = new TabWriter(minWidth, padding, padChar);
        w.Write(text);
        return w.Flush();
    }

    public void Write(string text)
    {
        foreach (char ch in text)
        {
            switch (ch)
            {
                case '\t' or '\v':
                    TerminateCell();
                    break;
                case '\n' or '\f':
                    int ncells = TerminateCell();
                    _lines.Add(new List<Cell>());
                    if (ch == '\f' || ncells == 1)
                        FlushInternal(); // a one-cell line cannot influence later columns
                    break;
                default:
                    _cell.Append(ch);
                    break;
            }
        }
    }

    public string Flush()
    {
        if (_cell.Length > 0)
            TerminateCell();
        FlushInternal();
        var s = _out.ToString();
        _out.Clear();
        return s;
    }

    private int TerminateCell()
    {
        var text = _cell.ToString();
        _cell.Clear();
        var line = _lines[^1];
        line.Add(new Cell(text, RuneCount(text)));
        return line.Count;
    }

    private void FlushInternal()
    {
        Format(0, _lines.Count);
        Reset();
    }

    private void Reset()
    {
        _lines.Clear();
        _widths.Clear();
        _lines.Add(new List<Cell>());
    }

    private void Format(int line0, int line1)
    {
        int column = _widths.Count;
        for (int current = line0; current < line1; current++)
        {
            if (column >= _lines[current].Count - 1)
                continue;
            // this line has a cell in this column: a block starts here
            WriteLines(line0, current);
            line0 = current;

            int width = _minWidth;
            for (; current < line1; current++)
            {
                var line = _lines[current];
                if (column >= line.Count - 1)
                    break;
                int w = line[column].Width + _padding;
                if (w > width)
                    width = w;
            }

            _widths.Add(width);
            Format(line0, current);
            _widths.RemoveAt(_widths.Count - 1);
            line0 = current;
            // (like Go, the increment skips the line that ended the block: it has no cell here)
        }
        WriteLines(line0, line1);
    }

    private void WriteLines(int line0, int line1)
    {
        for (int i = line0; i < line1; i++)
        {
            var line = _lines[i];
            for (int j = 0; j < line.Count; j++)
            {
                var c = line[j];
                _out.Append(c.Text);
                if (j < _widths.Count)
                    _out.Append(_padChar, _widths[j] - c.Width);
            }
            if (i + 1 != _lines.Count)
                _out.Append('\n');
            // else: the last buffered line has no newline (its pending text is already a cell)
        }
    }

    private static int RuneCount(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes())
            n++;
        return n;
    }
}
