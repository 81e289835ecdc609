using System.Collections;

namespace Dashboard.Components.Controls;

/// <summary>
/// A read-only view of a list from an index on. An <see cref="IList{T}"/>, so that LINQ's Skip and Take (which the
/// virtualised list uses to pick the rows it shows) index into it instead of walking it from the start.
/// </summary>
internal sealed class ListTail<T>(IReadOnlyList<T> list, int start) : IList<T>
{
    public int Count => Math.Max(0, list.Count - start);

    public bool IsReadOnly => true;

    public T this[int index]
    {
        get => (uint)index < (uint)Count ? list[start + index] : throw new ArgumentOutOfRangeException(nameof(index));
        set => throw new NotSupportedException();
    }

    public IEnumerator<T> GetEnumerator()
    {
        for (var i = start; i < list.Count; i++)
        {
            yield return list[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public int IndexOf(T item)
    {
        for (var i = 0; i < Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(this[i], item))
            {
                return i;
            }
        }
        return -1;
    }

    public bool Contains(T item) => IndexOf(item) >= 0;

    public void CopyTo(T[] array, int arrayIndex)
    {
        for (var i = 0; i < Count; i++)
        {
            array[arrayIndex + i] = this[i];
        }
    }

    public void Add(T item) => throw new NotSupportedException();

    public void Clear() => throw new NotSupportedException();

    public void Insert(int index, T item) => throw new NotSupportedException();

    public bool Remove(T item) => throw new NotSupportedException();

    public void RemoveAt(int index) => throw new NotSupportedException();
}
