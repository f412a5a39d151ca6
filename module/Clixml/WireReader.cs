using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using System.Xml;

namespace PSUJobs.Clixml
{
    /// <summary>
    /// Builds objects from the batches psuj_clixml_decoder_next returns (native/ffi/BUFFER.md),
    /// exactly as PowerShell's InternalDeserializer builds them from XML. One reader lives as
    /// long as its decoder: the object table (RefIds), property-name table and type-name table
    /// span the whole document, across batches.
    /// </summary>
    internal sealed unsafe class WireReader
    {
        private const uint None = uint.MaxValue;
        private const string OrderedDictionaryTypeName = "Deserialized.System.Collections.Specialized.OrderedDictionary";

        private readonly List<PSObject?> objects = new List<PSObject?>();
        private readonly List<string> names = new List<string>();
        private readonly List<TypeNameList> typeLists = new List<TypeNameList>();

        // What an object's adapted properties and members are read into before the object is
        // built; nested objects use the entries above their parent's (a stack).
        private readonly List<KeyValuePair<string, object?>> adaptedScratch = new List<KeyValuePair<string, object?>>();
        private readonly List<PSMemberInfo> membersScratch = new List<PSMemberInfo>();

        private byte* pos;
        private byte* end;

        /// <summary>Reads one batch, handing each top-level value to <paramref name="write"/>
        /// as soon as it is built, so that it goes down the pipeline without waiting for the rest
        /// of its batch; returns how many there were (0 at the end of the document).</summary>
        internal uint ReadBatch(byte* data, int length, Action<object?> write)
        {
            pos = data;
            end = data + length;
            if (length < 12 || data[0] != (byte)'P' || data[1] != (byte)'S' || data[2] != (byte)'J' || data[3] != (byte)'B' || data[4] != 1)
            {
                throw new FormatException("psujobs_native returned a batch in an unknown format; the module and its native library do not match.");
            }

            pos += 8;
            uint count = U32();
            for (uint i = 0; i < count; i++)
            {
                write(Value());
            }

            return count;
        }

        private void Need(long bytes)
        {
            if (end - pos < bytes)
            {
                throw new FormatException("psujobs_native returned a truncated batch.");
            }
        }

        private byte U8()
        {
            Need(1);
            return *pos++;
        }

        private T Fixed<T>()
            where T : unmanaged
        {
            Need(sizeof(T));
            T v = *(T*)pos; // Batches are little-endian; so is every platform .NET 8 runs on.
            pos += sizeof(T);
            return v;
        }

        private uint U32() => Fixed<uint>();

        private int I32() => Fixed<int>();

        // NaN has no bits in CliXml text; XmlConvert yields .NET's canonical NaN, Rust another.
        private float Single()
        {
            float value = Fixed<float>();
            return float.IsNaN(value) ? float.NaN : value;
        }

        private double Double()
        {
            double value = Fixed<double>();
            return double.IsNaN(value) ? double.NaN : value;
        }

        private string Str()
        {
            uint units = U32();
            Need(units * 2L);
            var s = new string((char*)pos, 0, (int)units);
            pos += units * 2L;
            return s;
        }

        private string Name()
        {
            uint index = U32();
            if (index < (uint)names.Count)
            {
                return names[(int)index];
            }

            string name = Str();
            names.Add(name);
            PSObjectInternals.SetHasInstanceMember(name);
            return name;
        }

        private TypeNameList? TypeNames()
        {
            uint index = U32();
            if (index == None)
            {
                return null;
            }

            if (index < (uint)typeLists.Count)
            {
                return typeLists[(int)index];
            }

            uint count = U32();
            var list = new string[count];
            for (uint i = 0; i < count; i++)
            {
                list[i] = Str();
            }

            var entry = new TypeNameList(list);
            typeLists.Add(entry);
            return entry;
        }

        private object? Value()
        {
            byte tag = U8();
            switch (tag)
            {
                case 0: return null;
                case 1: return Str();
                case 2: return (char)Fixed<ushort>();
                case 3: return U8() != 0;
                case 4: return DateTimeValue();
                case 5: return new TimeSpan(Fixed<long>());
                case 6: return U8();
                case 7: return Fixed<sbyte>();
                case 8: return Fixed<ushort>();
                case 9: return Fixed<short>();
                case 10: return U32();
                case 11: return I32();
                case 12: return Fixed<ulong>();
                case 13: return Fixed<long>();
                case 14: return Single();
                case 15: return Double();
                case 16: return decimal.Parse(Str(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture);
                case 17: return Bytes();
                case 18: return GuidValue();
                case 19: return new Uri(Str(), UriKind.RelativeOrAbsolute);
                case 20: return Version.Parse(Str());
                case 21: return XmlDocumentValue(Str());
                case 22: return Str(); // ScriptBlocks deserialize as their text, as Import-Clixml does.
                case 23: return PSObjectInternals.UnprotectSecureString(Str());
                case 24: return Progress();
                case 25: return ObjectValue();
                case 26: return Reference();
                default: throw new FormatException($"psujobs_native returned unknown value tag {tag}.");
            }
        }

        private object DateTimeValue()
        {
            long ticks = Fixed<long>();
            byte kind = U8();
            short offsetMinutes = Fixed<short>();
            return kind switch
            {
                1 => new DateTime(ticks, DateTimeKind.Utc),
                // XmlConvert (RoundtripKind) turns an offset into the reader's local time.
                2 => new DateTime(ticks - (offsetMinutes * TimeSpan.TicksPerMinute), DateTimeKind.Utc).ToLocalTime(),
                _ => new DateTime(ticks, DateTimeKind.Unspecified),
            };
        }

        private byte[] Bytes()
        {
            uint length = U32();
            Need(length);
            var bytes = new ReadOnlySpan<byte>(pos, (int)length).ToArray();
            pos += length;
            return bytes;
        }

        private Guid GuidValue()
        {
            Need(16);
            // The 16 bytes in RFC 4122 order (big-endian fields), as the text form reads.
            int a = (pos[0] << 24) | (pos[1] << 16) | (pos[2] << 8) | pos[3];
            short b = (short)((pos[4] << 8) | pos[5]);
            short c = (short)((pos[6] << 8) | pos[7]);
            var guid = new Guid(a, b, c, pos[8], pos[9], pos[10], pos[11], pos[12], pos[13], pos[14], pos[15]);
            pos += 16;
            return guid;
        }

        private static XmlDocument XmlDocumentValue(string outerXml)
        {
            // As InternalDeserializer.LoadUnsafeXmlDocument with preserveNonElements, minus DTDs.
            var settings = new XmlReaderSettings
            {
                CheckCharacters = false,
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreWhitespace = false,
                IgnoreComments = false,
                IgnoreProcessingInstructions = false,
            };
            var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
            using var reader = XmlReader.Create(new System.IO.StringReader(outerXml), settings);
            document.Load(reader);
            return document;
        }

        private ProgressRecord Progress()
        {
            string activity = Str();
            int activityId = I32();
            string? currentOperation = U8() != 0 ? Str() : null;
            int parentId = I32();
            int percent = I32();
            bool completed = U8() != 0;
            int seconds = I32();
            string status = Str();
            return new ProgressRecord(activityId, activity, status)
            {
                CurrentOperation = currentOperation,
                ParentActivityId = parentId,
                PercentComplete = percent,
                RecordType = completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
                SecondsRemaining = seconds,
            };
        }

        private object Reference()
        {
            uint id = U32();
            PSObject? target = id < (uint)objects.Count ? objects[(int)id] : null;
            return target ?? throw new FormatException($"psujobs_native returned a reference to unknown object {id}.");
        }

        /// <summary>ReadPSObject + the rehydration step of ReadOneObject.</summary>
        private object ObjectValue()
        {
            var dso = new PSObject();
            uint id = U32();
            if (id != None)
            {
                while (objects.Count <= (int)id)
                {
                    objects.Add(null);
                }

                objects[(int)id] = dso;
            }

            TypeNameList? typeNames = TypeNames();
            if (typeNames != null)
            {
                PSObjectInternals.SetTypeNames(dso, typeNames.Shared);
            }

            bool hasToString = U8() != 0;
            string? toString = hasToString ? Str() : null;
            object? baseObject = BaseValue(typeNames);
            if (baseObject != null)
            {
                PSObjectInternals.SetCore(dso, baseObject, typeNames == null);
            }

            // Read first, built after: the member collections are then made at their final size.
            int adaptedStart = adaptedScratch.Count;
            uint adapted = U32();
            for (uint i = 0; i < adapted; i++)
            {
                string name = Name();
                adaptedScratch.Add(new KeyValuePair<string, object?>(name, Value()));
            }

            int membersStart = membersScratch.Count;
            uint members = U32();
            for (uint i = 0; i < members; i++)
            {
                membersScratch.Add(Member());
            }

            // The engine keys instance members by the object itself when it has a ToString
            // (read before any base object) or no base; those are given their own collection.
            if (hasToString || baseObject == null)
            {
                PSObjectInternals.OwnInstanceMembers(dso, (hasToString ? 1 : 0) + (adapted > 0 ? 1 : 0) + (int)members);
            }

            if (hasToString)
            {
                PSObjectInternals.SetToString(dso, toString!);
            }

            if (adapted > 0)
            {
                PSObjectInternals.BeginAdapted(dso, (int)adapted);
                for (int i = adaptedStart; i < adaptedScratch.Count; i++)
                {
                    PSObjectInternals.AddAdapted(dso, adaptedScratch[i].Key, adaptedScratch[i].Value);
                }

                adaptedScratch.RemoveRange(adaptedStart, adaptedScratch.Count - adaptedStart);
            }

            for (int i = membersStart; i < membersScratch.Count; i++)
            {
                PSObjectInternals.AddInstanceMember(dso, membersScratch[i]);
            }

            membersScratch.RemoveRange(membersStart, membersScratch.Count - membersStart);

            if (dso.ImmediateBaseObject is PSObject nested)
            {
                PSObjectInternals.CopyDeserializerFields(nested, dso);
            }

            return typeNames == null ? dso : Rehydrate(dso, typeNames);
        }

        private object? BaseValue(TypeNameList? typeNames)
        {
            switch (U8())
            {
                case 0:
                    return null;
                case 1:
                    return Value();
                case 2:
                    return ListValue();
                case 3:
                    return DictionaryValue(typeNames);
                default:
                    throw new FormatException("psujobs_native returned an unknown base kind.");
            }
        }

        private object ListValue()
        {
            byte kind = U8();
            uint count = U32();
            var list = new ArrayList((int)Math.Min(count, 1 << 16));
            for (uint i = 0; i < count; i++)
            {
                list.Add(Value());
            }

            switch (kind)
            {
                case 2:
                    list.Reverse(); // STK is written top first; pushing in reverse restores it.
                    return new Stack(list);
                case 3:
                    return new Queue(list);
                default:
                    return list;
            }
        }

        private object DictionaryValue(TypeNameList? typeNames)
        {
            uint count = U32();
            bool ordered = typeNames != null && typeNames.Names.Length > 0 &&
                string.Equals(typeNames.Names[0], OrderedDictionaryTypeName, StringComparison.OrdinalIgnoreCase);
            if (ordered)
            {
                var dictionary = new OrderedDictionary(StringComparer.CurrentCultureIgnoreCase);
                for (uint i = 0; i < count; i++)
                {
                    object key = DictionaryKey();
                    dictionary.Add(key, Value());
                }

                return dictionary;
            }

            // As ReadDictionary: case-insensitive first; on a key clash switch to the default
            // comparer, and on a second clash to reference equality, so no entry is lost.
            var table = new Hashtable(StringComparer.CurrentCultureIgnoreCase);
            int clashes = 0;
            for (uint i = 0; i < count; i++)
            {
                object key = DictionaryKey();
                object? value = Value();
                if (clashes == 0 && table.ContainsKey(key))
                {
                    clashes = 1;
                    table = Copy(table, new Hashtable());
                }

                if (clashes == 1 && table.ContainsKey(key))
                {
                    clashes = 2;
                    table = Copy(table, new Hashtable(ReferenceKeyComparer.Instance));
                }

                table.Add(key, value);
            }

            return table;
        }

        private static Hashtable Copy(Hashtable from, Hashtable to)
        {
            foreach (DictionaryEntry entry in from)
            {
                to.Add(entry.Key, entry.Value);
            }

            return to;
        }

        private object DictionaryKey() =>
            Value() ?? throw new FormatException("A dictionary key is null (<Nil/> keys are not allowed in CliXml).");

        private PSMemberInfo Member()
        {
            byte kind = U8();
            string name = Name();
            if (kind == 0)
            {
                return new PSNoteProperty(name, Value());
            }

            var set = new PSMemberSet(name);
            uint count = U32();
            for (uint i = 0; i < count; i++)
            {
                set.Members.Add(Member());
            }

            return set;
        }

        /// <summary>types.ps1xml TargetTypeForDeserialization (PSCredential, IPAddress, CultureInfo,
        /// …): converted as the engine does; a failed conversion keeps the property bag.</summary>
        private static object Rehydrate(PSObject dso, TypeNameList typeNames)
        {
            if (!typeNames.TargetResolved)
            {
                typeNames.Target = PSObjectInternals.TargetTypeForDeserialization(dso);
                typeNames.TargetResolved = true;
            }

            if (typeNames.Target == null)
            {
                return dso;
            }

            try
            {
                return LanguagePrimitives.ConvertTo(dso, typeNames.Target, CultureInfo.InvariantCulture);
            }
            catch (InvalidCastException)
            {
                return dso;
            }
            catch (ArgumentException)
            {
                return dso;
            }
        }

        /// <summary>A type-name list shared by every object that uses it.</summary>
        private sealed class TypeNameList
        {
            internal TypeNameList(string[] names)
            {
                Names = names;
                Shared = PSObjectInternals.NewTypeNames(names);
            }

            internal string[] Names { get; }

            internal object Shared { get; }

            /// <summary>The rehydration target, looked up once per list (it depends only on
            /// the type names and the session's type table).</summary>
            internal Type? Target { get; set; }

            internal bool TargetResolved { get; set; }
        }

        /// <summary>Reference equality for the third-chance dictionary (all keys distinct).</summary>
        private sealed class ReferenceKeyComparer : IEqualityComparer
        {
            internal static readonly ReferenceKeyComparer Instance = new ReferenceKeyComparer();

            public new bool Equals(object? x, object? y) => ReferenceEquals(x, y);

            public int GetHashCode(object obj) => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(obj);
        }
    }
}
