using System;
using System.Collections.Generic;
using System.Linq.Expressions;
using System.Management.Automation;
using System.Reflection;
using System.Security;

namespace PSUJobs.Clixml
{
    /// <summary>
    /// The PSObject members PowerShell's own deserializer sets (serialization.cs, ReadPSObject /
    /// ReadProperties) are internal, and only an object built through them is indistinguishable
    /// from what Import-Clixml returns (IsDeserialized, adapted members, ToString from
    /// deserialization, TokenText). They are bound once per process as compiled delegates so
    /// each use costs a direct call, not reflection.
    /// </summary>
    internal static class PSObjectInternals
    {
        private const BindingFlags Any = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static;
        private static readonly Assembly Sma = typeof(PSObject).Assembly;

        /// <summary>Marks an object as carrying adapted (Props) properties: IsDeserialized, an
        /// empty adapted member set sized for that many properties, an empty CLR member set and
        /// the GetType method, as ReadProperties does.</summary>
        internal static readonly Action<PSObject, int> BeginAdapted;

        /// <summary>Adds one adapted property (a PSProperty with a serialized value).</summary>
        internal static readonly Action<PSObject, string, object?> AddAdapted;

        /// <summary>Gives a property bag (no base object) its own instance-member collection.
        /// The engine's getter would file it in a process-wide ConditionalWeakTable keyed by the
        /// object itself (the "resurrection table", which only matters for objects wrapping a
        /// base object): measured, that table's lock and finalizers cost a large share of
        /// building 100,000 objects.
        /// Sized for the members it will hold: growing PowerShell's member dictionaries one
        /// member at a time is most of the garbage of building an object.</summary>
        internal static readonly Action<PSObject, int> OwnInstanceMembers;

        /// <summary>Adds a note property or member set to the instance members.</summary>
        internal static readonly Action<PSObject, PSMemberInfo> AddInstanceMember;

        /// <summary>Sets ToStringFromDeserialization and TokenText and adds the ToString method.</summary>
        internal static readonly Action<PSObject, string> SetToString;

        /// <summary>Sets the base object (overrideTypeInfo: take type names from it).</summary>
        internal static readonly Action<PSObject, object, bool> SetCore;

        /// <summary>Copies the deserializer fields of a nested PSObject base to its wrapper.</summary>
        internal static readonly Action<PSObject, PSObject> CopyDeserializerFields;

        /// <summary>Builds a read-only type-name list once per distinct list.</summary>
        internal static readonly Func<IEnumerable<string>, object> NewTypeNames;

        /// <summary>Gives an object a shared read-only type-name list. This is how the engine
        /// gives live objects their type names: the public TypeNames getter makes the object
        /// its own writable copy the first time anyone asks (copy on write), so sharing is
        /// invisible, and 100,000 objects of one type cost no list copies.</summary>
        internal static readonly Action<PSObject, object> SetTypeNames;

        /// <summary>The rehydration target types.ps1xml declares for the object's type names.</summary>
        internal static readonly Func<PSObject, Type?> TargetTypeForDeserialization;

        /// <summary>Tells PowerShell's member binder that instances may carry this member name.</summary>
        internal static readonly Action<string> SetHasInstanceMember;

        /// <summary>SecureStringHelper.Unprotect: the SS element text as Export-Clixml wrote it
        /// on this platform (DPAPI on Windows, plaintext UTF-16LE hex elsewhere).</summary>
        internal static readonly Func<string, SecureString> UnprotectSecureString;

        static PSObjectInternals()
        {
            Type pso = typeof(PSObject);
            Type coll = Type("System.Management.Automation.PSMemberInfoInternalCollection`1");
            Type propColl = coll.MakeGenericType(typeof(PSPropertyInfo));
            Type memberColl = coll.MakeGenericType(typeof(PSMemberInfo));
            Type consolidated = Type("System.Management.Automation.Runspaces.ConsolidatedString");
            Type dotNetAdapter = Type("System.Management.Automation.DotNetAdapter");
            MethodInfo getDotNetMethod = dotNetAdapter.GetMethod("GetDotNetMethod", Any)!.MakeGenericMethod(typeof(PSMemberInfo));
            Expression instanceAdapter = Expression.Property(null, Property(pso, "DotNetInstanceAdapter"));

            var obj = Expression.Parameter(pso, "obj");
            var name = Expression.Parameter(typeof(string), "name");
            var value = Expression.Parameter(typeof(object), "value");
            Expression instanceMembers = Expression.Property(obj, Property(pso, "InstanceMembers"));
            MethodInfo addMember = memberColl.GetMethod("Add", new[] { typeof(PSMemberInfo) })!;
            Expression DotNetMethod(string method) =>
                Expression.Call(instanceAdapter, getDotNetMethod, obj, Expression.Constant(method));

            var capacity = Expression.Parameter(typeof(int), "capacity");
            Expression Sized(Type collection) =>
                Expression.New(collection.GetConstructor(Any, null, new[] { typeof(int) }, null)!, capacity);

            BeginAdapted = Expression.Lambda<Action<PSObject, int>>(
                Expression.Block(
                    Expression.Assign(Expression.Property(obj, Property(pso, "IsDeserialized")), Expression.Constant(true)),
                    Expression.Assign(Expression.Property(obj, Property(pso, "AdaptedMembers")), Sized(propColl)),
                    Expression.Call(instanceMembers, addMember, DotNetMethod("GetType")),
                    Expression.Assign(Expression.Property(obj, Property(pso, "ClrMembers")), Expression.New(propColl))),
                obj, capacity).Compile();

            ConstructorInfo psProperty = Type("System.Management.Automation.PSProperty")
                .GetConstructor(Any, null, new[] { typeof(string), typeof(object) }, null)!;
            AddAdapted = Expression.Lambda<Action<PSObject, string, object?>>(
                Expression.Call(
                    Expression.Property(obj, Property(pso, "AdaptedMembers")),
                    propColl.GetMethod("Add", new[] { typeof(PSPropertyInfo) })!,
                    Expression.New(psProperty, name, value)),
                obj, name, value).Compile();

            OwnInstanceMembers = Expression.Lambda<Action<PSObject, int>>(
                Expression.Assign(Expression.Property(obj, Property(pso, "InstanceMembers")), Sized(memberColl)),
                obj, capacity).Compile();

            var member = Expression.Parameter(typeof(PSMemberInfo), "member");
            AddInstanceMember = Expression.Lambda<Action<PSObject, PSMemberInfo>>(
                Expression.Call(instanceMembers, addMember, member), obj, member).Compile();

            SetToString = Expression.Lambda<Action<PSObject, string>>(
                Expression.Block(
                    Expression.Assign(Expression.Property(obj, Property(pso, "ToStringFromDeserialization")), name),
                    Expression.Call(instanceMembers, addMember, DotNetMethod("ToString")),
                    Expression.Assign(Expression.Property(obj, Property(pso, "TokenText")), name)),
                obj, name).Compile();

            var baseObject = Expression.Parameter(typeof(object), "baseObject");
            var overrideTypeInfo = Expression.Parameter(typeof(bool), "overrideTypeInfo");
            SetCore = Expression.Lambda<Action<PSObject, object, bool>>(
                Expression.Call(obj, Method(pso, "SetCoreOnDeserialization"), baseObject, overrideTypeInfo),
                obj, baseObject, overrideTypeInfo).Compile();

            var source = Expression.Parameter(pso, "source");
            CopyDeserializerFields = Expression.Lambda<Action<PSObject, PSObject>>(
                Expression.Call(Method(pso, "CopyDeserializerFields"), source, obj), source, obj).Compile();

            var names = Expression.Parameter(typeof(IEnumerable<string>), "names");
            NewTypeNames = Expression.Lambda<Func<IEnumerable<string>, object>>(
                Expression.Convert(
                    Expression.New(
                        consolidated.GetConstructor(Any, null, new[] { typeof(IEnumerable<string>), typeof(bool) }, null)!,
                        names,
                        Expression.Constant(true)),
                    typeof(object)),
                names).Compile();

            var template = Expression.Parameter(typeof(object), "template");
            SetTypeNames = Expression.Lambda<Action<PSObject, object>>(
                Expression.Assign(
                    Expression.Property(obj, Property(pso, "InternalTypeNames")),
                    Expression.Convert(template, consolidated)),
                obj, template).Compile();

            MethodInfo targetType = Method(pso, "GetTargetTypeForDeserialization");
            TargetTypeForDeserialization = Expression.Lambda<Func<PSObject, Type?>>(
                Expression.Call(obj, targetType, Expression.Constant(null, targetType.GetParameters()[0].ParameterType)),
                obj).Compile();

            SetHasInstanceMember = Expression.Lambda<Action<string>>(
                Expression.Call(Method(Type("System.Management.Automation.Language.PSGetMemberBinder"), "SetHasInstanceMember"), name),
                name).Compile();

            var text = Expression.Parameter(typeof(string), "text");
            UnprotectSecureString = Expression.Lambda<Func<string, SecureString>>(
                Expression.Call(Method(Type("Microsoft.PowerShell.SecureStringHelper"), "Unprotect"), text),
                text).Compile();
        }

        private static Type Type(string name) =>
            Sma.GetType(name, throwOnError: false) ?? throw Missing(name);

        private static PropertyInfo Property(Type type, string name) =>
            type.GetProperty(name, Any) ?? throw Missing($"{type.Name}.{name}");

        private static MethodInfo Method(Type type, string name) =>
            type.GetMethod(name, Any) ?? throw Missing($"{type.Name}.{name}");

        private static Exception Missing(string what) =>
            new PlatformNotSupportedException(
                $"PSUJobs builds deserialized objects the way PowerShell does, but this PowerShell ({Sma.GetName().Version}) has no '{what}'. PowerShell 7.4 or later is required.");
    }
}
